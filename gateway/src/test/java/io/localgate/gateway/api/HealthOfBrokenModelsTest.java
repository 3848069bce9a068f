package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.gateway.fake.FakeModelFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A models directory with a model that cannot be served: alive, but not ready, and the probe says which model and why. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HealthOfBrokenModelsTest {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry properties) {
        var dir = SdkTestSupport.emptyModelsDirectory("health-broken");
        FakeModelFiles.write(dir, "fine.gguf", "reply=Hello!");
        FakeModelFiles.write(dir, "broken.gguf", "malformed=bad magic 0x46554747 at offset 0");
        properties.add("localgate.models.path", dir::toString);
        properties.add("localgate.default.backend", () -> "fake");
    }

    @LocalServerPort
    int port;

    @Test
    void not_ready_while_a_model_cannot_be_served_but_alive() throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            var ready = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"status\":\"DOWN\"").contains("\"broken\":").contains("bad magic 0x46554747")
                    .doesNotContain("\"fine\":");
            var live = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(live.statusCode()).isEqualTo(200);
        }
    }
}
