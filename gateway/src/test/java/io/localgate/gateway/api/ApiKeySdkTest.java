package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.models.Model;
import io.localgate.gateway.fake.FakeModelFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** With API keys set, every API call needs one of them; health and metrics stay open; each key has its rate limit. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class ApiKeySdkTest {

    private static final String LISTED_KEY = "sk-listed-0123456789";
    private static final String RATED_KEY = "sk-rated-abcdef";
    private static final String FILE_KEY = "sk-from-file-9876543210";

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry properties) throws Exception {
        var dir = SdkTestSupport.emptyModelsDirectory("api-keys");
        FakeModelFiles.write(dir, "tiny.gguf", "reply=Hello!");
        var keysFile = Files.writeString(dir.resolveSibling("api-keys.txt"), "# localgate keys\n\n  " + FILE_KEY + "  \n");
        properties.add("localgate.models.path", dir::toString);
        properties.add("localgate.default.backend", () -> "fake");
        properties.add("localgate.api-keys", () -> LISTED_KEY + "," + RATED_KEY);
        properties.add("localgate.api-keys-file", keysFile::toString);
        // 3 a minute: LISTED_KEY makes 3 calls in this class in all, RATED_KEY 4
        properties.add("localgate.admission.rate-limit.requests", () -> "3");
        properties.add("localgate.admission.rate-limit.period", () -> "1m");
    }

    @LocalServerPort
    int port;

    private OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://localhost:" + port + "/v1").apiKey(key)
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
        if (authorization != null) request.header("Authorization", authorization);
        try (var http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void a_configured_key_is_let_in_from_the_list_and_from_the_file(CapturedOutput output) {
        assertThat(client(LISTED_KEY).models().list().data()).extracting(Model::id).containsExactly("tiny");
        var reply = client(FILE_KEY).chat().completions().create(
                ChatCompletionCreateParams.builder().model("tiny").addUserMessage("Hi").build());
        assertThat(reply.choices().getFirst().message().content()).hasValue("Hello!");
        assertThat(output).doesNotContain(LISTED_KEY).doesNotContain(FILE_KEY).doesNotContain(RATED_KEY);
    }

    @Test
    void a_wrong_key_is_a_401_in_the_openai_envelope(CapturedOutput output) {
        assertThatThrownBy(() -> client("sk-wrong").models().list())
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.code()).hasValue("invalid_api_key");
                    assertThat(e.type()).hasValue("invalid_request_error");
                })
                .hasMessageContaining("Incorrect API key");
        // a prefix of a real key is no key
        assertThatThrownBy(() -> client(LISTED_KEY.substring(0, 10)).models().list()).isInstanceOf(UnauthorizedException.class);
        assertThat(output).doesNotContain("sk-wrong");
    }

    @Test
    void every_api_path_needs_a_key_but_health_and_metrics_do_not() throws Exception {
        var none = get("/v1/models", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("\"code\":\"invalid_api_key\"").contains("didn't provide an API key");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        // unknown URLs too: a stranger learns nothing about what is there
        assertThat(get("/v1/no-such-thing", null).statusCode()).isEqualTo(401);
        assertThat(get("/tokenize", "Basic " + LISTED_KEY).statusCode()).isEqualTo(401);
        // the scheme is case-insensitive, as in RFC 7235
        assertThat(get("/v1/models", "bearer " + LISTED_KEY).statusCode()).isEqualTo(200);

        assertThat(get("/health/live", null).statusCode()).isEqualTo(200);
        assertThat(get("/health/ready", null).statusCode()).isEqualTo(200);
        assertThat(get("/metrics", null).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/prometheus", null).statusCode()).isEqualTo(200);
        assertThat(PrometheusScrape.of(port).require("localgate_rejected_requests_total", "reason", "invalid_api_key"))
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void each_key_has_its_own_rate_limit() {
        var rated = client(RATED_KEY);
        rated.models().list();
        rated.models().list();
        rated.models().list();
        assertThatThrownBy(rated.models()::list)
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.code()).hasValue("rate_limit_exceeded");
                    assertThat(e.headers().values("Retry-After")).singleElement()
                            .satisfies(seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 60));
                })
                .hasMessageContaining("3 requests per PT1M");
        // another key's allowance is its own
        assertThat(client(LISTED_KEY).models().list().data()).hasSize(1);
        assertThat(PrometheusScrape.of(port).require("localgate_rejected_requests_total", "reason", "rate_limited")).isEqualTo(1);
    }
}
