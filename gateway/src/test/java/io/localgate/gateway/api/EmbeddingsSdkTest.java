package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /v1/embeddings} through the official OpenAI SDK on both backends (all-MiniLM-L6-v2 against llama.cpp's
 * reference vectors, a decoder's pooled embeddings on llama-cpp), {@code /tokenize} and {@code /detokenize},
 * and the capabilities {@code /v1/models} shows.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EmbeddingsSdkTest {

    private static final String MINILM = "all-MiniLM-L6-v2-Q4_K_M";
    private static final String CHAT_MODEL = "stories260K";
    private static final List<String> DECODERS = List.of(CHAT_MODEL, "synth-qwen2-q4_0", "synth-llama3-q8_0");

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry properties) {
        Path dir = SdkTestSupport.emptyModelsDirectory("embeddings");
        for (String model : List.of(MINILM, CHAT_MODEL, "synth-qwen2-q4_0", "synth-llama3-q8_0")) {
            SdkTestSupport.linkSharedModel(dir, model);
            SdkTestSupport.alsoOnLlamaCpp(dir, model);
        }
        properties.add("localgate.models.path", dir::toString);
    }

    @LocalServerPort
    int port;
    OpenAIClient client;
    WebTestClient web;

    @BeforeEach
    void clients() {
        client = SdkTestSupport.client(port, Duration.ofMinutes(2));
        web = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).responseTimeout(Duration.ofMinutes(2)).build();
    }

    private static JsonNode reference() {
        return JsonMapper.builder().build().readTree(SdkTestSupport.SHARED.resolve("reference").resolve(MINILM + ".json").toFile());
    }

    private CreateEmbeddingResponse embed(EmbeddingCreateParams.Builder params) {
        return client.embeddings().create(params.build());
    }

    @ParameterizedTest
    @ValueSource(strings = {MINILM, MINILM + "-llama-cpp"})
    void texts_embed_as_llama_cpp_embeds_them(String model) {
        List<String> texts = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        int tokens = 0;
        for (JsonNode c : reference().get("cases")) {
            if (c.get("text").stringValue().isEmpty()) continue; // OpenAI refuses empty inputs
            texts.add(c.get("text").stringValue());
            expected.add(floats(c.get("embedding")));
            tokens += c.get("tokens_with_special").size();
        }
        var response = embed(EmbeddingCreateParams.builder().model(model).inputOfArrayOfStrings(texts).user("someone"));
        assertThat(response.model()).isEqualTo(model);
        assertThat(response.data()).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(response.data().get(i).index()).isEqualTo(i);
            assertThat(cosine(floats(response.data().get(i).embedding()), expected.get(i))).as("%s: %s", model, texts.get(i))
                    .isGreaterThanOrEqualTo(0.9999);
        }
        assertThat(response.usage().promptTokens()).isEqualTo(tokens);
        assertThat(response.usage().totalTokens()).isEqualTo(tokens);

        float[] single = floats(embed(EmbeddingCreateParams.builder().model(model).input(texts.getFirst())).data().getFirst().embedding());
        assertThat(single).containsExactly(floats(response.data().getFirst().embedding()));
    }

    @ParameterizedTest
    @ValueSource(strings = {MINILM, MINILM + "-llama-cpp"})
    void token_ids_and_base64_give_the_same_vectors(String model) {
        JsonNode cases = reference().get("cases");
        List<Long> first = longs(cases.get(0).get("tokens_with_special"));
        List<Long> second = longs(cases.get(1).get("tokens_with_special"));
        var byText = embed(EmbeddingCreateParams.builder().model(model)
                .inputOfArrayOfStrings(List.of(cases.get(0).get("text").stringValue(), cases.get(1).get("text").stringValue())));
        var byTokens = embed(EmbeddingCreateParams.builder().model(model).inputOfArrayOfTokenArrays(List.of(first, second)));
        var oneTokenArray = embed(EmbeddingCreateParams.builder().model(model).inputOfArrayOfTokens(first));
        assertThat(floats(byTokens.data().get(1).embedding())).containsExactly(floats(byText.data().get(1).embedding()));
        assertThat(floats(oneTokenArray.data().getFirst().embedding())).containsExactly(floats(byText.data().getFirst().embedding()));
        assertThat(byTokens.usage().promptTokens()).isEqualTo(first.size() + second.size());

        var base64 = embed(EmbeddingCreateParams.builder().model(model).inputOfArrayOfTokens(first)
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).dimensions(384));
        String encoded = base64.data().getFirst().embeddingValue().asBase64();
        var buffer = ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] decoded = new float[buffer.remaining()];
        buffer.get(decoded);
        assertThat(decoded).containsExactly(floats(byText.data().getFirst().embedding()));
    }

    /** A decoder's embedding: the mean of its last hidden states after the output norm, the same on both backends. */
    @Test
    void decoders_give_the_same_pooled_embeddings_on_both_backends() {
        List<String> texts = List.of("Once upon a time", "Hello", "The cat sat on the mat and looked at the dog.");
        for (String model : DECODERS) {
            var java = embed(EmbeddingCreateParams.builder().model(model).inputOfArrayOfStrings(texts));
            var llamaCpp = embed(EmbeddingCreateParams.builder().model(model + "-llama-cpp").inputOfArrayOfStrings(texts));
            assertThat(java.usage().promptTokens()).isEqualTo(llamaCpp.usage().promptTokens());
            for (int i = 0; i < texts.size(); i++) {
                float[] a = floats(java.data().get(i).embedding());
                float[] b = floats(llamaCpp.data().get(i).embedding());
                assertThat(cosine(a, a)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
                assertThat(cosine(a, b)).as("%s: %s", model, texts.get(i)).isGreaterThanOrEqualTo(0.9999);
            }
            assertThat(cosine(floats(java.data().get(0).embedding()), floats(java.data().get(1).embedding()))).isLessThan(0.9999);
        }
    }

    @Test
    void bad_requests_are_400s_naming_the_problem() {
        assertBadRequest(() -> embed(EmbeddingCreateParams.builder().model(MINILM).input("")), "input", "invalid_value");
        assertBadRequest(() -> embed(EmbeddingCreateParams.builder().model(MINILM).inputOfArrayOfStrings(List.of())), "input", "invalid_value");
        assertBadRequest(() -> embed(EmbeddingCreateParams.builder().model(MINILM).input("hello").dimensions(128)), "dimensions", "invalid_value");
        assertBadRequest(() -> embed(EmbeddingCreateParams.builder().model(MINILM).inputOfArrayOfTokens(List.of(101L, 99999L))),
                "input", "invalid_value");
        assertBadRequest(() -> embed(EmbeddingCreateParams.builder().model(MINILM).input("word ".repeat(600))), "input", "context_length_exceeded");
        assertThatThrownBy(() -> embed(EmbeddingCreateParams.builder().model("nope").input("hello")))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).hasValue("model_not_found"));
    }

    @Test
    void an_embedding_model_does_not_chat() {
        for (String model : List.of(MINILM, MINILM + "-llama-cpp")) {
            assertBadRequest(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model(model)
                    .addUserMessage("Hi").build()), "model", "model_not_supported");
        }
    }

    @Test
    void models_show_their_capabilities() {
        web.get().uri("/v1/models").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.data[?(@.id == '" + MINILM + "')].capabilities[*]").isEqualTo(List.of("embeddings"))
                .jsonPath("$.data[?(@.id == '" + MINILM + "-llama-cpp')].capabilities[*]").isEqualTo(List.of("embeddings"))
                .jsonPath("$.data[?(@.id == '" + CHAT_MODEL + "-llama-cpp')].capabilities[*]")
                .isEqualTo(List.of("completion", "chat", "embeddings"));
        web.get().uri("/v1/models/" + CHAT_MODEL).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.capabilities").isEqualTo(List.of("completion", "chat", "embeddings"));
    }

    /** The body as OpenAI sends it, whatever the SDK tolerates. */
    @Test
    void the_response_is_openais_shape() {
        post("/v1/embeddings", "{\"model\":\"" + MINILM + "-llama-cpp\",\"input\":[\"a\",\"b\"]}").expectStatus().isOk().expectBody()
                .jsonPath("$.object").isEqualTo("list")
                .jsonPath("$.model").isEqualTo(MINILM + "-llama-cpp")
                .jsonPath("$.data.length()").isEqualTo(2)
                .jsonPath("$.data[1].object").isEqualTo("embedding")
                .jsonPath("$.data[1].index").isEqualTo(1)
                .jsonPath("$.data[1].embedding.length()").isEqualTo(384)
                .jsonPath("$.usage.prompt_tokens").isEqualTo(6)
                .jsonPath("$.usage.total_tokens").isEqualTo(6);
        post("/v1/embeddings", "{\"model\":\"" + MINILM + "\",\"input\":[\"a\",[101,102]]}").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error.param").isEqualTo("input[1]")
                .jsonPath("$.error.code").isEqualTo("invalid_type");
        post("/v1/embeddings", "{\"model\":\"" + MINILM + "\",\"input\":\"a\",\"encoding_format\":\"int8\"}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.param").isEqualTo("encoding_format");
        post("/v1/embeddings", "{\"model\":\"" + MINILM + "\"}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.code").isEqualTo("missing_required_parameter");
        web.get().uri("/v1/embeddings").exchange().expectStatus().isEqualTo(405);
    }

    @ParameterizedTest
    @ValueSource(strings = {MINILM, MINILM + "-llama-cpp", CHAT_MODEL, CHAT_MODEL + "-llama-cpp"})
    void tokenize_and_detokenize_as_llama_cpps_server(String model) {
        JsonNode reference = JsonMapper.builder().build().readTree(SdkTestSupport.SHARED.resolve("reference")
                .resolve(model.replace("-llama-cpp", "") + ".json").toFile());
        JsonNode c = reference.get("cases").get(0);
        String text = c.has("text") ? c.get("text").stringValue() : c.get("prompt").stringValue();
        post("/tokenize", "{\"model\":\"" + model + "\",\"content\":" + quote(text) + "}").expectStatus().isOk().expectBody()
                .jsonPath("$.tokens").isEqualTo(ints(c.get("tokens")));
        post("/tokenize", "{\"model\":\"" + model + "\",\"content\":" + quote(text) + ",\"add_special\":true}").expectStatus().isOk().expectBody()
                .jsonPath("$.tokens").isEqualTo(ints(c.get("tokens_with_special")));
        int firstToken = c.get("tokens").get(0).asInt();
        post("/tokenize", "{\"model\":\"" + model + "\",\"content\":" + quote(text) + ",\"with_pieces\":true}").expectStatus().isOk().expectBody()
                .jsonPath("$.tokens[0].id").isEqualTo(firstToken)
                .jsonPath("$.tokens[0].piece").isNotEmpty();
        String detokenized = post("/detokenize", "{\"model\":\"" + model + "\",\"tokens\":" + ints(c.get("tokens")) + "}")
                .expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody().get("content").stringValue();
        assertThat(detokenized.strip()).isEqualToIgnoringCase(text.strip());
    }

    @Test
    void tokenize_errors_are_openai_envelopes() {
        post("/tokenize", "{\"model\":\"nope\",\"content\":\"x\"}").expectStatus().isNotFound().expectBody()
                .jsonPath("$.error.code").isEqualTo("model_not_found");
        post("/tokenize", "{\"model\":\"" + MINILM + "\",\"content\":5}").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error.param").isEqualTo("content");
        post("/detokenize", "{\"model\":\"" + MINILM + "\",\"tokens\":[101, 40000]}").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error.code").isEqualTo("invalid_value");
        post("/detokenize", "{\"model\":\"" + MINILM + "\",\"tokens\":[\"a\"]}").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error.param").isEqualTo("tokens[0]");
        // without a model: the first model (by id) that can serve
        post("/tokenize", "{\"content\":\"hello world\"}").expectStatus().isOk().expectBody()
                .jsonPath("$.tokens").isEqualTo(List.of(7592, 2088));
    }

    private WebTestClient.ResponseSpec post(String path, String json) {
        return web.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange();
    }

    private static void assertBadRequest(Runnable call, String param, String code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BadRequestException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(400);
            assertThat(e.param()).as("param").isEqualTo(Optional.of(param));
            assertThat(e.code()).as("code").isEqualTo(Optional.of(code));
        });
    }

    private static String quote(String text) {
        return JsonMapper.builder().build().writeValueAsString(text);
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode v : array) out.add(v.asInt());
        return out;
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        for (JsonNode v : array) out.add(v.asLong());
        return out;
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) array.get(i).asDouble();
        return out;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
