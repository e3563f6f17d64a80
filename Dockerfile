# poolgate: multi-stage build, JRE 17, non-root, the fat jar.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN groupadd --system poolgate && useradd --system --gid poolgate --home /app poolgate
WORKDIR /app
# usage records (embedded H2) and admin state live under /app/data unless the config says otherwise
RUN mkdir -p /app/data && chown poolgate:poolgate /app/data
VOLUME /app/data
COPY --from=build /src/target/poolgate.jar /app/poolgate.jar
COPY conf/config.yaml /etc/poolgate/config.yaml
COPY cluster.xml /etc/poolgate/cluster.xml
USER poolgate
EXPOSE 8080 5701
ENV POOLGATE_CLUSTER_CONFIG=/etc/poolgate/cluster.xml \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/poolgate.jar \"$@\"", "poolgate"]
CMD ["-c", "/etc/poolgate/config.yaml"]
