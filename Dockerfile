# localgate: OpenAI-compatible gateway for local GGUF models.
#
#   docker build -t localgate:latest .                                    CPU image
#   docker build --build-arg LLAMA_CPP_VARIANT=linux-x64-cuda \
#                --build-arg BASE_IMAGE=nvidia/cuda:13.0.0-runtime-ubuntu24.04 -t localgate:cuda .
#   docker run -p 8080:8080 -v "$PWD/models:/models:ro" localgate:latest
#
# The base images are build arguments so that a machine without registry access can use images made
# locally (docker/base-images.sh); the defaults are the public ones.
ARG JDK_IMAGE=eclipse-temurin:25-jdk
ARG JRE_IMAGE=eclipse-temurin:25-jre
ARG BASE_IMAGE=ubuntu:24.04

FROM ${JDK_IMAGE} AS build
# which prebuilt llama.cpp set of node-llama-cpp@3.21.1 the llama-cpp backend carries (backend-native/natives/)
ARG LLAMA_CPP_VARIANT=linux-x64
WORKDIR /src
# Dependencies first, from the poms alone: a code change below does not download them again.
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY backend-api/pom.xml backend-api/
COPY backend-java/pom.xml backend-java/
COPY backend-native/pom.xml backend-native/
COPY backend-native/natives/ backend-native/natives/
COPY gateway/pom.xml gateway/
COPY bench/pom.xml bench/
COPY benchmarks/pom.xml benchmarks/
# (the reactor needs every module's pom; the image needs only the gateway and what it depends on)
RUN ./mvnw --batch-mode --no-transfer-progress --quiet -DskipTests -Dspring-boot.repackage.skip=true \
        -Dllama.cpp.variant=${LLAMA_CPP_VARIANT} --projects gateway --also-make package \
    && rm -rf */target
COPY . .
RUN ./mvnw --batch-mode --no-transfer-progress --offline -DskipTests -Dllama.cpp.variant=${LLAMA_CPP_VARIANT} \
        --projects gateway --also-make package \
    && mkdir -p /out \
    && cp gateway/target/localgate.jar /out/ \
    && cp -r backend-native/target/classes/io/localgate/llamacpp/natives /out/llama-cpp

FROM ${JRE_IMAGE} AS jre

FROM ${BASE_IMAGE}
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
RUN groupadd --system --gid 10001 localgate \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin localgate \
    && mkdir -p /models /app \
    && chown 10001:10001 /models
# The JVM flags are set once, here: the Vector API is an incubator module, FFM needs native access, and the
# heap takes half the container's memory (weights are mapped files and the KV cache is off-heap).
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LOCALGATE_JVM_FLAGS="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError" \
    JAVA_OPTS="" \
    LOCALGATE_MODELS_PATH=/models \
    LOCALGATE_LLAMA_CPP_LIB_PATH=/opt/localgate/llama-cpp \
    MALLOC_ARENA_MAX=2 \
    SERVER_PORT=8080
COPY --from=build /out/llama-cpp /opt/localgate/llama-cpp
COPY --from=build /out/localgate.jar /app/localgate.jar
VOLUME /models
EXPOSE 8080
USER 10001:10001
WORKDIR /app
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT} && printf 'GET /health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/bin/sh", "-c", "exec java $LOCALGATE_JVM_FLAGS $JAVA_OPTS -jar /app/localgate.jar \"$@\"", "localgate"]
