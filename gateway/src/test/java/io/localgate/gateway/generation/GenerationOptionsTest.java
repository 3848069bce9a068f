package io.localgate.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.gateway.json.InvalidFieldException;
import io.localgate.gateway.json.JsonFields;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class GenerationOptionsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static GenerationOptions read(String json) {
        return GenerationOptions.read(JsonFields.of(JSON.readTree(json), ""));
    }

    @Test
    void reads_every_option() {
        var options = read("""
                {"temperature": 0.5, "top_p": 0.9, "top_k": 20, "min_p": 0.1, "max_tokens": 64, "seed": 42,
                 "repeat_penalty": 1.1, "presence_penalty": -0.5, "frequency_penalty": 1.5, "stop": ["\\n", "END"]}""");
        assertThat(options).isEqualTo(new GenerationOptions(0.5, 0.9, 20, 0.1, 64, 42L, 1.1, -0.5, 1.5, List.of("\n", "END")));
    }

    @Test
    void absent_and_null_are_unset() {
        assertThat(read("{\"temperature\": null, \"messages\": []}")).isEqualTo(GenerationOptions.NONE);
    }

    @Test
    void a_single_stop_string_is_a_list_of_one() {
        assertThat(read("{\"stop\": \"###\"}").stop()).containsExactly("###");
    }

    @Test
    void a_string_where_a_number_belongs_names_the_field() {
        assertThatThrownBy(() -> read("{\"temperature\": \"0.5\"}"))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> {
                    assertThat(e.field()).isEqualTo("temperature");
                    assertThat(e.code()).isEqualTo("invalid_type");
                    assertThat(e).hasMessageContaining("expected a number, but got a string");
                });
    }

    @Test
    void out_of_range_values_name_the_field_and_the_range() {
        assertThatThrownBy(() -> read("{\"temperature\": 2.5}"))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("temperature"))
                .hasMessage("'temperature' must be between 0 and 2, got 2.5.");
        assertThatThrownBy(() -> read("{\"max_tokens\": 0}")).hasMessage("'max_tokens' must be >= 1, got 0.");
        assertThatThrownBy(() -> read("{\"max_tokens\": 1.5}")).hasMessageContaining("expected an integer");
        assertThatThrownBy(() -> read("{\"top_p\": -0.1}")).hasMessageContaining("'top_p' must be between 0 and 1");
        assertThatThrownBy(() -> read("{\"repeat_penalty\": 0}")).hasMessageContaining("repeat_penalty");
        assertThatThrownBy(() -> read("{\"presence_penalty\": 3}")).hasMessageContaining("between -2 and 2");
    }

    @Test
    void stop_is_at_most_four_non_empty_strings() {
        assertThatThrownBy(() -> read("{\"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}")).hasMessageContaining("at most 4");
        assertThatThrownBy(() -> read("{\"stop\": [\"\"]}")).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> read("{\"stop\": [1]}")).hasMessageContaining("a string or an array of strings");
    }

    @Test
    void request_options_win_over_model_defaults() {
        var request = new GenerationOptions(0.1, null, null, null, null, null, null, null, null, null);
        var model = new GenerationOptions(0.7, 0.8, 10, null, 100, null, null, null, null, List.of("x"));
        assertThat(request.orElse(model)).isEqualTo(new GenerationOptions(0.1, 0.8, 10, null, 100, null, null, null, null, List.of("x")));
    }

    @Test
    void unset_options_take_llama_cpp_server_defaults_and_a_random_seed() {
        var params = GenerationOptions.NONE.toSamplingParams(() -> 1234L);
        assertThat(params.temperature()).isEqualTo(0.8f);
        assertThat(params.topK()).isEqualTo(40);
        assertThat(params.topP()).isEqualTo(0.95f);
        assertThat(params.minP()).isEqualTo(0.05f);
        assertThat(params.repeatPenalty()).isEqualTo(1.0f);
        assertThat(params.penaltyLastN()).isEqualTo(64);
        assertThat(params.seed()).isEqualTo(1234L);
        assertThat(read("{\"seed\": 7}").toSamplingParams(() -> 1234L).seed()).isEqualTo(7L);
    }

    @Test
    void top_p_zero_keeps_only_the_most_likely_token() {
        assertThat(read("{\"top_p\": 0}").toSamplingParams(() -> 0L).topP()).isPositive().isLessThan(1e-30f);
    }
}
