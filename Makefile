# poolgate: `make run` starts one node on conf/config.yaml; `make test` runs the whole suite.
# `make run-cluster` (alias `cluster`, N=3 by default) starts N clustered nodes on this machine:
# HTTP on 8080, 8081, ... and Hazelcast on 5701, 5702, ...; Ctrl-C stops them all.
# `make demo` starts one node on conf/config.yaml (mock instances) on a free port, runs the
# 20-concurrent demo client against it (DEMO_ARGS, e.g. DEMO_ARGS="--requests 500") and stops it.
MVN ?= mvn -B -q
JAR := target/poolgate.jar
CONFIG ?= conf/config.yaml
SOURCES := $(shell find src/main -type f 2>/dev/null) pom.xml

N ?= 3

.PHONY: run run-cluster cluster demo test package install bench clean

run: $(JAR)
	java -jar $(JAR) -c $(CONFIG)

run-cluster: $(JAR)
	@members=$$(for i in $$(seq 1 $(N)); do printf '127.0.0.1:%d,' $$((5700 + i)); done); pids=""; \
	trap 'kill $$pids 2>/dev/null; wait' INT TERM EXIT; \
	for i in $$(seq 0 $$(($(N) - 1))); do \
	  POOLGATE_SERVER_PORT=$$((8080 + i)) POOLGATE_HZ_PORT=$$((5701 + i)) POOLGATE_HZ_MEMBERS=$$members \
	    POOLGATE_USAGE_JDBC_URL=jdbc:h2:file:./data/poolgate-usage-$$i POOLGATE_ADMIN_STATE_DIR=./data/admin-$$i \
	    POOLGATE_HZ_INSTANCE_NAME=poolgate-$$i java -jar $(JAR) -c $(CONFIG) --cluster & pids="$$pids $$!"; \
	done; \
	echo "poolgate: $(N) nodes, HTTP on ports 8080-$$((8079 + $(N))); Ctrl-C stops them"; wait

cluster: run-cluster

DEMO_ARGS ?=
demo: $(JAR)
	@port=$$(java -cp $(JAR) dev.poolgate.demo.DemoClient --free-port); log=target/demo-poolgate.log; \
	POOLGATE_SERVER_PORT=$$port java -jar $(JAR) -c $(CONFIG) >$$log 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT INT TERM; \
	echo "poolgate (pid $$pid) on 127.0.0.1:$$port with $(CONFIG); its log: $$log"; \
	java -cp $(JAR) dev.poolgate.demo.DemoClient --url http://127.0.0.1:$$port $(DEMO_ARGS)

$(JAR): $(SOURCES) cluster.xml
	$(MVN) -DskipTests package

package: $(JAR)

install:
	$(MVN) -DskipTests install

test:
	mvn -B test

bench: $(JAR)
	bash bench/run.sh

clean:
	$(MVN) clean
