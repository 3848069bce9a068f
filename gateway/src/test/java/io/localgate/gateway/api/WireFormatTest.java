package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** What the SDKs hide: SSE framing, the error event after a 200, and the envelope of Spring's own errors. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.http.codecs.max-in-memory-size=64KB")
class WireFormatTest {

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry properties) {
        var dir = FakeModelsDirectory.create("wire");
        properties.add("localgate.models.path", dir::toString);
        properties.add("localgate.default.backend", () -> "fake");
    }

    @LocalServerPort
    int port;
    WebTestClient web;

    @BeforeEach
    void client() {
        web = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    }

    private WebTestClient.ResponseSpec post(String path, String json) {
        return web.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange();
    }

    private static List<String> events(String body) {
        assertThat(body).endsWith("\n\n");
        return Arrays.stream(body.split("\n\n")).toList();
    }

    @Test
    void a_chat_stream_is_data_events_ending_with_done() {
        String body = post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":true,"max_tokens":3,
                 "stream_options":{"include_usage":true}}""")
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .expectBody(String.class).returnResult().getResponseBody();
        var events = events(body);
        assertThat(events).allSatisfy(event -> assertThat(event).startsWith("data: "));
        assertThat(events.get(0)).contains("\"object\":\"chat.completion.chunk\"")
                .contains("\"delta\":{\"role\":\"assistant\",\"content\":\"\"}").contains("\"finish_reason\":null");
        assertThat(events.get(1)).contains("\"delta\":{\"content\":\"H\"}");
        assertThat(events.get(4)).contains("\"delta\":{}").contains("\"finish_reason\":\"length\"");
        assertThat(events.get(5)).contains("\"choices\":[]")
                // cached_tokens depends on what earlier tests left in the model's cache
                .containsPattern("\"usage\":\\{\"prompt_tokens\":22,\"completion_tokens\":3,\"total_tokens\":25,"
                        + "\"prompt_tokens_details\":\\{\"cached_tokens\":\\d+}}");
        assertThat(events.getLast()).isEqualTo("data: [DONE]");
        assertThat(events).hasSize(7);
        assertThat(events.get(1)).doesNotContain("usage");
    }

    @Test
    void a_completion_stream_ends_with_a_finish_chunk_and_done() {
        String body = post("/v1/completions", """
                {"model":"tiny","prompt":"Hi","stream":true,"max_tokens":2}""")
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        var events = events(body);
        assertThat(events.get(0)).contains("\"object\":\"text_completion\"").contains("\"text\":\"H\"").contains("\"index\":0");
        assertThat(events.get(2)).contains("\"text\":\"\"").contains("\"finish_reason\":\"length\"");
        assertThat(events).last().isEqualTo("data: [DONE]");
    }

    @Test
    void a_failure_after_the_200_is_an_error_event_that_ends_the_stream() {
        String body = post("/v1/chat/completions", """
                {"model":"failing","messages":[{"role":"user","content":"Hi"}],"stream":true}""")
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        var events = events(body);
        assertThat(events.getLast()).startsWith("data: {\"error\":{\"message\":\"")
                .contains("the fake engine failed after 3 tokens")
                .contains("\"type\":\"server_error\",\"param\":null,\"code\":\"internal_error\"");
        assertThat(body).doesNotContain("[DONE]").contains("\"content\":\"c\"");
    }

    @Test
    void a_failing_completion_stream_keeps_the_text_before_the_failure() {
        String body = post("/v1/completions", """
                {"model":"failing","prompt":"Hi","stream":true}""")
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        var events = events(body);
        assertThat(events).hasSize(4);
        assertThat(events.get(2)).contains("\"text\":\"c\"");
        assertThat(events.getLast()).startsWith("data: {\"error\":").contains("failed after 3 tokens");
    }

    @Test
    void the_same_failure_before_anything_was_sent_is_a_500() {
        post("/v1/chat/completions", """
                {"model":"failing","messages":[{"role":"user","content":"Hi"}]}""")
                .expectStatus().isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
                .expectBody()
                .jsonPath("$.error.type").isEqualTo("server_error")
                .jsonPath("$.error.message").value(message -> assertThat((String) message).contains("failed after 3 tokens"));
    }

    @Test
    void a_non_streamed_chat_completion_has_the_openai_shape() {
        post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":"World"}]}],
                 "max_tokens":5,"some_future_field":{"x":1}}""")
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.id").value(id -> assertThat((String) id).startsWith("chatcmpl-"))
                .jsonPath("$.object").isEqualTo("chat.completion")
                .jsonPath("$.created").isNumber()
                .jsonPath("$.model").isEqualTo("tiny")
                .jsonPath("$.choices[0].index").isEqualTo(0)
                .jsonPath("$.choices[0].message.role").isEqualTo("assistant")
                .jsonPath("$.choices[0].message.content").isEqualTo("Hello")
                .jsonPath("$.choices[0].finish_reason").isEqualTo("length")
                // BOS <|im_start|> "user\n" "Hello\nWorld" <|im_end|> "\n" <|im_start|> "assistant\n"
                .jsonPath("$.usage.prompt_tokens").isEqualTo(1 + 1 + 5 + 11 + 1 + 1 + 1 + 10)
                .jsonPath("$.usage.completion_tokens").isEqualTo(5)
                .jsonPath("$.usage.total_tokens").isEqualTo(36);
    }

    @Test
    void the_model_list_has_the_openai_shape() {
        web.get().uri("/v1/models").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.object").isEqualTo("list")
                .jsonPath("$.data[0].id").isEqualTo("broken")
                .jsonPath("$.data[0].object").isEqualTo("model")
                .jsonPath("$.data[0].created").isNumber()
                .jsonPath("$.data[0].owned_by").isEqualTo("localgate");
    }

    private static void assertEnvelope(WebTestClient.ResponseSpec response, HttpStatus status, String param, String code, String messagePart) {
        response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.error.message").value(message -> assertThat((String) message).contains(messagePart))
                .jsonPath("$.error.type").isEqualTo(status.is4xxClientError() ? "invalid_request_error" : "server_error")
                .jsonPath("$.error.param").isEqualTo(param)
                .jsonPath("$.error.code").isEqualTo(code);
    }

    @Test
    void an_unknown_url_is_a_404_envelope() {
        assertEnvelope(web.get().uri("/v1/nothing").exchange(), HttpStatus.NOT_FOUND, null, "unknown_url", "GET /v1/nothing");
        assertEnvelope(post("/v2/chat/completions", "{}"), HttpStatus.NOT_FOUND, null, "unknown_url", "POST /v2/chat/completions");
    }

    @Test
    void a_wrong_method_is_a_405_envelope_with_allow() {
        var response = web.get().uri("/v1/chat/completions").exchange();
        response.expectHeader().valueEquals("Allow", "POST");
        assertEnvelope(response, HttpStatus.METHOD_NOT_ALLOWED, null, "method_not_allowed", "GET");
        assertEnvelope(web.delete().uri("/v1/models/tiny").exchange(), HttpStatus.METHOD_NOT_ALLOWED, null, "method_not_allowed", "DELETE");
    }

    @Test
    void a_body_that_is_not_json_is_a_415_envelope() {
        assertEnvelope(web.post().uri("/v1/chat/completions").contentType(MediaType.TEXT_PLAIN).bodyValue("hello").exchange(),
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, null, "unsupported_media_type", "text/plain");
    }

    @Test
    void a_body_over_the_limit_is_a_413_envelope() {
        String huge = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(100_000) + "\"}]}";
        assertEnvelope(post("/v1/chat/completions", huge), HttpStatus.CONTENT_TOO_LARGE, null, "request_too_large", "too large");
    }

    @Test
    void malformed_json_is_a_400_envelope() {
        assertEnvelope(post("/v1/chat/completions", "{\"model\": \"tiny\", "), HttpStatus.BAD_REQUEST, null, "invalid_json", "not valid JSON");
        assertEnvelope(post("/v1/chat/completions", "[1, 2]"), HttpStatus.BAD_REQUEST, null, "invalid_type", "must be a JSON object");
        assertEnvelope(web.post().uri("/v1/completions").contentType(MediaType.APPLICATION_JSON).exchange(),
                HttpStatus.BAD_REQUEST, null, "invalid_json", "empty");
    }

    @Test
    void wrong_types_and_missing_fields_name_the_parameter() {
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"temperature":"hot"}"""),
                HttpStatus.BAD_REQUEST, "temperature", "invalid_type", "expected a number, but got a string");
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"},{"role":"user","content":42}]}"""),
                HttpStatus.BAD_REQUEST, "messages[1].content", "invalid_type", "messages[1].content");
        assertEnvelope(post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"Hi"}]}"""),
                HttpStatus.BAD_REQUEST, "model", "missing_required_parameter", "'model'");
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"robot","content":"Hi"}]}"""),
                HttpStatus.BAD_REQUEST, "messages[0].role", "invalid_value", "robot");
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stream":"yes"}"""),
                HttpStatus.BAD_REQUEST, "stream", "invalid_type", "boolean");
        assertEnvelope(post("/v1/completions", """
                {"model":"tiny","prompt":"Hi","max_tokens":"ten"}"""),
                HttpStatus.BAD_REQUEST, "max_tokens", "invalid_type", "integer");
        assertEnvelope(post("/v1/completions", """
                {"model":"tiny","prompt":{"text":"Hi"}}"""),
                HttpStatus.BAD_REQUEST, "prompt", "invalid_type", "a string or an array of strings");
    }

    @Test
    void features_not_supported_are_refused_by_name() {
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"code_interpreter"}]}"""),
                HttpStatus.BAD_REQUEST, "tools[0].type", "unsupported_parameter", "code_interpreter");
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"tool_choice":"required"}"""),
                HttpStatus.BAD_REQUEST, "tool_choice", "invalid_value", "needs 'tools'");
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema",
                 "json_schema":{"name":"x","schema":{"type":"array","uniqueItems":true}}}}"""),
                HttpStatus.BAD_REQUEST, "response_format", "invalid_value", "uniqueItems");
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"logit_bias":{"abc":5}}"""),
                HttpStatus.BAD_REQUEST, "logit_bias", "invalid_value", "abc");
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"logit_bias":{"100000":5}}"""),
                HttpStatus.BAD_REQUEST, "logit_bias", "invalid_value", "vocabulary");
        assertEnvelope(post("/v1/completions", """
                {"model":"tiny","prompt":"Hi","logprobs":6}"""),
                HttpStatus.BAD_REQUEST, "logprobs", "invalid_value", "logprobs");
        assertEnvelope(post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}"""),
                HttpStatus.BAD_REQUEST, "messages[0].content[0].type", "unsupported_parameter", "image_url");
        assertEnvelope(post("/v1/completions", """
                {"model":"tiny","prompt":[1, 2, 3]}"""),
                HttpStatus.BAD_REQUEST, "prompt", "unsupported_parameter", "token ids");
        post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"text"},"n":1,
                 "logprobs":false,"tools":[],"tool_choice":"none","user":"u1","max_tokens":1}""")
                .expectStatus().isOk();
        post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"Hi"}],"tool_choice":"auto","max_tokens":1}""")
                .expectStatus().isOk();
    }
}
