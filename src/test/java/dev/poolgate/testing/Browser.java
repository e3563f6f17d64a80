package dev.poolgate.testing;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.time.Duration;

/**
 * Headless Chromium driven by Selenium, from Debian's {@code chromium} and {@code chromium-driver}
 * packages (or {@code CHROME_BIN} / {@code CHROMEDRIVER}). Without them a browser test is skipped
 * with one line saying how to get them; nothing is downloaded.
 */
public final class Browser {
  public static final String HOW_TO_GET =
      "browser tests skipped: no chromium/chromedriver; install them with `apt-get install chromium chromium-driver` "
          + "(.ci/run does) or set CHROME_BIN and CHROMEDRIVER";
  private static boolean told;

  private Browser() {
  }

  private static File find(String env, String... paths) {
    String given = System.getenv(env);
    if (given != null && new File(given).canExecute()) {
      return new File(given);
    }
    for (String p : paths) {
      if (new File(p).canExecute()) {
        return new File(p);
      }
    }
    return null;
  }

  /** A headless browser of the given window size, or the test is skipped (aborted) with {@link #HOW_TO_GET}. */
  public static ChromeDriver open(int width, int height) {
    File chrome = find("CHROME_BIN", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    File driver = find("CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
    if (chrome == null || driver == null) {
      synchronized (Browser.class) {
        if (!told) {
          told = true;
          System.err.println(HOW_TO_GET);
        }
      }
      Assumptions.abort(HOW_TO_GET);
    }
    ChromeOptions options = new ChromeOptions().setBinary(chrome)
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--hide-scrollbars", "--window-size=" + width + "," + height, "--force-device-scale-factor=1");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort()
        .build();
    ChromeDriver browser = new ChromeDriver(service, options);
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    return browser;
  }
}
