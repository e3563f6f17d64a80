# poolgate: `make run` starts one node on conf/config.yaml; `make test` runs the whole suite.
MVN ?= mvn -B -q
JAR := target/poolgate.jar
CONFIG ?= conf/config.yaml
SOURCES := $(shell find src/main -type f 2>/dev/null) pom.xml

.PHONY: run test package bench clean

run: $(JAR)
	java -jar $(JAR) -c $(CONFIG)

$(JAR): $(SOURCES)
	$(MVN) -DskipTests package

package: $(JAR)

test:
	mvn -B test

bench: $(JAR)
	bash bench/run.sh

clean:
	$(MVN) clean
