package dev.poolgate.cluster;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.MountableFile;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A clustered node from the packaged jar, in a container, as it would run in production: answers
 * once it formed its (one-member) cluster. Needs Docker and {@code mvn package}; skipped without
 * a Docker engine. The container is made inside the test, so nothing touches Docker when skipped.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerNodeTest {
  private static final Path JAR = Path.of("target", "poolgate.jar");

  @Test
  void clusteredNodeServesInAContainer() throws Exception {
    assumeTrue(Files.isRegularFile(JAR), "run mvn package first: " + JAR + " is missing");
    try (GenericContainer<?> node = new GenericContainer<>("eclipse-temurin:17-jre")
        .withCopyFileToContainer(MountableFile.forHostPath(JAR), "/app/poolgate.jar")
        .withCopyFileToContainer(MountableFile.forHostPath("cluster.xml"), "/app/cluster.xml")
        .withCopyFileToContainer(MountableFile.forHostPath("conf/config.yaml"), "/app/config.yaml")
        .withWorkingDirectory("/app")
        .withEnv("POOLGATE_HZ_MEMBERS", "127.0.0.1:5701")
        .withCommand("sh", "-c",
            "sed -i 's/host: 127.0.0.1/host: 0.0.0.0/' config.yaml && exec java -jar poolgate.jar -c config.yaml --cluster")
        .withExposedPorts(8080)
        .waitingFor(Wait.forHttp("/health/ready").forStatusCode(200))) {
      node.start();
      URI uri = URI.create("http://" + node.getHost() + ":" + node.getMappedPort(8080) + "/v1/models");
      HttpResponse<String> models = HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, models.statusCode());
    }
  }
}
