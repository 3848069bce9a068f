package io.localgate.gateway.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The Jinja semantics chat templates rely on. Expected texts were checked against Python's Jinja
 * 3.1.6 with transformers' settings, except where noted (none renders as empty text, attribute access
 * on undefined is lenient).
 */
class ChatTemplateTest {

    private static String render(String template, Object... namesAndValues) {
        Map<String, Object> variables = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            variables.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return ChatTemplate.compile(template).render(variables);
    }

    private static Map<String, Object> message(String role, Object content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    @Nested
    class Loops {

        @Test
        void filtersItemsAndCountsOnlyTheKeptOnes() {
            assertThat(render("{% for x in xs if x > 1 %}{{ loop.index }}:{{ x }}{{ ',' if not loop.last }}{% endfor %}",
                    "xs", List.of(1, 2, 3))).isEqualTo("1:2,2:3");
        }

        @Test
        void exposesTheLoopVariable() {
            assertThat(render("{% for x in 'ab' %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
                    + "{{ loop.first }}{{ loop.length }}|{% endfor %}")).isEqualTo("021True2|110False2|");
            assertThat(render("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ x }}-{{ loop.nextitem }};{% endfor %}"))
                    .isEqualTo("-1-2;1-2-3;2-3-;");
            assertThat(render("{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %}")).isEqualTo("aba");
        }

        @Test
        void rendersTheElseBlockWhenNothingIterates() {
            assertThat(render("{% for x in [] %}a{% else %}empty{% endfor %}")).isEqualTo("empty");
            assertThat(render("{% for x in [1] if false %}a{% else %}none kept{% endfor %}")).isEqualTo("none kept");
        }

        @Test
        void iteratesDictKeysAndUnpacksPairs() {
            Map<String, Object> d = new LinkedHashMap<>(Map.of("a", 1));
            d.put("b", List.of(1, 2));
            assertThat(render("{% for k in d %}{{ k }}{% endfor %}", "d", d)).isEqualTo("ab");
            assertThat(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "d", d))
                    .isEqualTo("a=1;b=[1, 2];");
            assertThat(render("{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %}")).isEqualTo("37");
        }

        @Test
        void breaksAndContinues() {
            assertThat(render("{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}"
                    + "{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}")).isEqualTo("02");
        }

        @Test
        void iteratesNothingForAnUndefinedVariableButRefusesNone() {
            assertThat(render("{% for t in tools %}x{% endfor %}done")).isEqualTo("done");
            assertThatThrownBy(() -> render("{% for t in tools %}x{% endfor %}", "tools", null))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("Cannot iterate over none");
        }
    }

    @Nested
    class Assignments {

        @Test
        void setInsideALoopStaysInTheIteration() {
            assertThat(render("{% set x = 1 %}{% for i in range(3) %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}"))
                    .isEqualTo("123|1");
            assertThat(render("{% for m in ms %}{% if m.role == 'system' %}{% set sys = m.content %}{% endif %}"
                    + "{% endfor %}[{{ sys }}]", "ms", List.of(message("system", "S")))).isEqualTo("[]");
        }

        @Test
        void setInsideAnIfIsVisibleAfterIt() {
            assertThat(render("{% if true %}{% set leaked = 1 %}{% endif %}{{ leaked }}")).isEqualTo("1");
        }

        @Test
        void namespaceCarriesStateOutOfALoop() {
            assertThat(render("{% set ns = namespace(x=1, found=false) %}{% for i in range(3) %}"
                    + "{% set ns.x = ns.x + i %}{% set ns.found = true %}{% endfor %}{{ ns.x }}{{ ns.found }}"))
                    .isEqualTo("4True");
        }

        @Test
        void unpacksTuplesAndCapturesBlocks() {
            assertThat(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c, d = [3, 4] %}{{ c }}{{ d }}")).isEqualTo("1234");
            assertThat(render("{% set x %}a{{ 1 + 1 }}b{% endset %}{{ x }}|{{ x | length }}")).isEqualTo("a2b|3");
            assertThat(render("{% set x | upper %}shout{% endset %}{{ x }}")).isEqualTo("SHOUT");
        }

        @Test
        void refusesAttributesOnOrdinaryValues() {
            assertThatThrownBy(() -> render("{% set d = {} %}{% set d.x = 1 %}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("namespace");
        }
    }

    @Nested
    class Macros {

        @Test
        void bindsDefaultsKeywordsAndExtraArguments() {
            String macro = "{% macro m(a, b=2, c='x') %}{{ a }}{{ b }}{{ c }}{% endmacro %}";
            assertThat(render(macro + "{{ m(1) }}|{{ m(1, 3) }}|{{ m(1, c='y') }}")).isEqualTo("12x|13x|12y");
            assertThat(render("{% macro f(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, 3, k=4) }}"))
                    .isEqualTo("1(2, 3){'k': 4}");
        }

        @Test
        void seesTheTemplateVariablesAtCallTime() {
            assertThat(render("{% set x = 5 %}{% macro show() %}{{ x }}{% endmacro %}{% set x = 6 %}{{ show() }}"))
                    .isEqualTo("6");
        }

        @Test
        void recursesAndStopsRunawayRecursionWithAnError() {
            assertThat(render("{% macro r(n) %}{% if n > 0 %}{{ n }}{{ r(n - 1) }}{% endif %}{% endmacro %}{{ r(5) }}"))
                    .isEqualTo("54321");
            assertThatThrownBy(() -> render("{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("nested more than");
        }

        @Test
        void callBlocksPassTheirBodyAsCaller() {
            assertThat(render("{% macro m() %}[{{ caller() }}]{% endmacro %}{% call m() %}inner{% endcall %}"))
                    .isEqualTo("[inner]");
            assertThat(render("{% macro m(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}"
                    + "{% call(v) m([1, 2]) %}<{{ v }}>{% endcall %}")).isEqualTo("<1><2>");
        }
    }

    @Nested
    class Whitespace {

        @Test
        void blockTagsTakeTheirLineWithThem() {
            assertThat(render("a\n  {% if true %}\n  b\n  {% endif %}\nc")).isEqualTo("a\n  b\nc");
            assertThat(render("  {{ 'x' }}  \n{# comment #}\ny")).isEqualTo("  x  \ny");
        }

        @Test
        void dashesStripAllWhitespaceOnTheirSide() {
            assertThat(render("a  {%- if true -%}  b  {%- endif -%}  c")).isEqualTo("abc");
            assertThat(render("{%- set x = 'a' -%}\n\n  {{- x -}}  \n\n{#- c -#}  z")).isEqualTo("az");
        }

        @Test
        void plusKeepsTheWhitespaceThatWouldBeStripped() {
            assertThat(render("a\n  {%+ if true %}x{% endif +%}\nb")).isEqualTo("a\n  x\nb");
        }

        @Test
        void dropsOneTrailingNewlineOfTheTemplate() {
            assertThat(render("x\n")).isEqualTo("x");
            assertThat(render("x\n\n")).isEqualTo("x\n");
        }

        @Test
        void keepsRawTextAndRendersGenerationBlocks() {
            assertThat(render("{% raw %}{{ not evaluated }}{% endraw %}")).isEqualTo("{{ not evaluated }}");
            assertThat(render("A:{% generation %}{{ 'x' }}{% endgeneration %}.")).isEqualTo("A:x.");
        }

        @Test
        void filterBlocksFilterTheirBody() {
            assertThat(render("{% filter upper %}hello {{ name }}{% endfilter %}", "name", "bob")).isEqualTo("HELLO BOB");
        }
    }

    @Nested
    class Expressions {

        @Test
        void unescapesStringLiterals() {
            assertThat(render("{{ 'a\\tb' }}|{{ \"q'\" }}|{{ '\\u00e9\\x41' }}|{{ 'a' 'b' }}|{{ 'keep \\d' }}"))
                    .isEqualTo("a\tb|q'|éA|ab|keep \\d");
        }

        @Test
        void computesLikePython() {
            assertThat(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} "
                    + "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ - 2 ** 2 }}")).isEqualTo("3 -4 1 2 1024 3.5 7 9 4");
            assertThat(render("{{ 1.5 }} {{ 100.0 }} {{ 1e16 }} {{ 1.23e-5 }} {{ 3 / 3 }} {{ 7 // 2.0 }} {{ 7.5 % 2 }}"))
                    .isEqualTo("1.5 100.0 1e+16 1.23e-05 1.0 3.0 1.5");
            assertThat(render("{{ [1, 2] + [3] }}{{ 'ab' * 3 }}{{ 0.1 + 0.2 }}")).isEqualTo("[1, 2, 3]ababab0.30000000000000004");
        }

        @Test
        void comparesAndChains() {
            assertThat(render("{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}{{ 1 == 1.0 }}{{ true == 1 }}{{ [1, [2]] == [1, [2]] }}"
                    + "{{ '1' == 1 }}{{ 'ab' < 'b' }}")).isEqualTo("TrueFalseTrueTrueTrueFalseTrue");
            assertThat(render("{{ 'a' in 'abc' }}{{ 2 not in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 'x' in undefined_list }}"))
                    .isEqualTo("TrueFalseTrueFalse");
        }

        @Test
        void conditionalsAndLogic() {
            assertThat(render("{{ 'yes' if x else 'no' }}|{{ 'yes' if y }}|{{ 1 if 0 else 2 if 0 else 3 }}", "x", 1))
                    .isEqualTo("yes||3");
            assertThat(render("{% if a %}A{% elif b %}B{% else %}C{% endif %}{{ a or 'default' }}{{ b and 'both' }}", "b", 1))
                    .isEqualTo("Bdefaultboth");
        }

        @Test
        void slicesAndIndexesByCodePoint() {
            assertThat(render("{{ xs[1:] }}{{ xs[::-1] }}{{ xs[-2:] }}{{ xs[:1] }}{{ xs[-1] }}", "xs", List.of(1, 2, 3)))
                    .isEqualTo("[2, 3][3, 2, 1][2, 3][1]3");
            assertThat(render("{{ 'hello'[1:3] }}{{ '😀x'[1] }}{{ '😀x' | length }}{{ '😀x'[::-1] }}")).isEqualTo("elx2x😀");
        }

        @Test
        void printsValuesAsPythonDoesButNoneAsNothing() {
            assertThat(render("{{ true }}{{ none }}{{ [1, 'a', none, true] }}|{{ {'a': 1, 'b': \"it's\"} }}|{{ (1,) }}"))
                    .isEqualTo("True[1, 'a', None, True]|{'a': 1, 'b': \"it's\"}|(1,)");
            assertThat(render("{{ 'ab' ~ none ~ 1 }}")).isEqualTo("ab1");
        }

        @Test
        void addingADictToAStringWritesItAsJson() {
            assertThat(render("{{ 'args: ' + arguments }}", "arguments", Map.of("city", "Paris")))
                    .isEqualTo("args: {\"city\": \"Paris\"}");
        }

        @Test
        void supportsIntegerDictKeys() {
            assertThat(render("{{ {1: 'a', 2: 'b'}[1] }}{{ {1: 'a'} }}")).isEqualTo("a{1: 'a'}");
        }
    }

    @Nested
    class UndefinedVariables {

        @Test
        void isEmptyFalsyAndLenientOnAttributes() {
            assertThat(render("[{{ missing }}][{{ missing.a.b }}][{{ missing | length }}][{{ missing | trim }}]"
                    + "{{ missing is defined }}{{ missing.a is undefined }}{{ none.attr is defined }}{{ missing is iterable }}"))
                    .isEqualTo("[][][0][]FalseTrueFalseTrue");
        }

        @Test
        void failsInArithmeticNamingWhatWasMissing() {
            assertThatThrownBy(() -> render("{{ functions + 'x' }}"))
                    .isInstanceOf(TemplateException.class)
                    .hasMessage("Cannot apply '+' to an undefined value ('functions' is undefined) (line 1, column 14)");
        }

        @Test
        void defaultReplacesIt() {
            assertThat(render("{{ x | default('d') }}|{{ '' | default('d', true) }}|{{ '' | d('e') }}")).isEqualTo("d|d|");
        }
    }

    @Nested
    class IsTests {

        @Test
        void typeTests() {
            assertThat(render("{{ x is defined }}{{ y is undefined }}{{ none is none }}{{ 'a' is string }}"
                    + "{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is sequence }}{{ 1 is number }}{{ 1 is integer }}"
                    + "{{ 1.0 is float }}{{ true is boolean }}{{ range is callable }}", "x", 1))
                    .isEqualTo("TrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrue");
        }

        @Test
        void valueTests() {
            assertThat(render("{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}"
                    + "{{ 1 is eq 1 }}{{ 'a' is equalto 'a' }}{{ 2 is gt 1 }}{{ 1 is in [1] }}{{ 1 is not none }}"
                    + "{{ 'A' is upper }}{{ true is true }}{{ 0 is false }}"))
                    .isEqualTo("TrueTrueTrueFalseTrueTrueTrueTrueTrueTrueTrueFalse");
        }
    }

    @Nested
    class BuiltinFilters {

        @Test
        void textFilters() {
            assertThat(render("{{ '  x  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'Hello' | lower }}|{{ 'hi' | upper }}"
                    + "|{{ 'hello wORLD' | title }}|{{ 'hELLO' | capitalize }}|{{ 'aXbX' | replace('X', '-') }}"))
                    .isEqualTo("x|hi|hello|HI|Hello World|Hello|a-b-");
            assertThat(render("{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}"))
                    .isEqualTo("a\n    b\n\n    c|  a\n  b|a\n  \n  b");
            assertThat(render("{{ 'one two  three' | wordcount }}|{{ 'ab' | center(6) }}|{{ '<a href=\"x\">&</a>' | e }}"))
                    .isEqualTo("3|  ab  |&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;");
        }

        @Test
        void sequenceFilters() {
            assertThat(render("{{ xs | length }}{{ xs | count }}{{ xs | first }}{{ xs | last }}{{ xs | join('-') }}"
                    + "{{ xs | reverse | list }}{{ xs | sort | list }}{{ xs | unique | list }}{{ xs | max }}{{ xs | min }}"
                    + "{{ xs | sum }}", "xs", List.of(3, 1, 2, 1))).isEqualTo("44313-1-2-1[1, 2, 1, 3][1, 1, 2, 3][3, 1, 2]317");
            assertThat(render("{{ [1, 2, 3, 4, 5] | batch(2) | list }}{{ 'abc' | list }}{{ ['b', 'A', 'c'] | sort }}"
                    + "{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}{{ [3, 1, 2] | sort(reverse=true) }}"))
                    .isEqualTo("[[1, 2], [3, 4], [5]]['a', 'b', 'c']['A', 'b', 'c']['A', 'b', 'c'][3, 2, 1]");
        }

        @Test
        void attributeFilters() {
            List<Object> items = List.of(Map.of("n", "a", "ok", true), Map.of("n", "b", "ok", false));
            assertThat(render("{{ items | map(attribute='n') | join(',') }}|{{ items | selectattr('ok') | map(attribute='n') | list }}"
                    + "|{{ items | rejectattr('ok') | list | length }}|{{ (items | selectattr('n', 'equalto', 'b') | first).n }}",
                    "items", items)).isEqualTo("a,b|['a']|1|b");
            assertThat(render("{{ [1, 2, 3, 4] | select('odd') | list }}{{ [1, 2, 3, 4] | reject('odd') | list }}"
                    + "{{ ['a', 'B'] | map('upper') | list }}{{ none | selectattr('x') | list }}")).isEqualTo("[1, 3][2, 4]['A', 'B'][]");
            List<Object> people = List.of(Map.of("age", 30), Map.of("age", 20));
            assertThat(render("{{ people | sort(attribute='age') | map(attribute='age') | list }}"
                    + "{{ (people | min(attribute='age')).age }}{{ people | sum(attribute='age') }}", "people", people))
                    .isEqualTo("[20, 30]2050");
        }

        @Test
        void mappingFilters() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("b", 1);
            d.put("a", 2);
            d.put("C", 0);
            assertThat(render("{{ d | dictsort }}{{ d | dictsort(by='value') }}{{ d | items | list }}", "d", d))
                    .isEqualTo("[('a', 2), ('b', 1), ('C', 0)][('C', 0), ('b', 1), ('a', 2)][('b', 1), ('a', 2), ('C', 0)]");
        }

        @Test
        void numberFilters() {
            assertThat(render("{{ '42' | int }}{{ 'x' | int }}{{ 'x' | int(7) }}{{ 3.9 | int }}{{ '1.5' | float }}"
                    + "{{ -3 | abs }}{{ 2.567 | round(2) }}{{ 2.5 | round }}{{ 5 | string }}")).isEqualTo("420731.532.572.05");
        }

        @Test
        void tojsonWritesPythonsJsonFormat() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("z", "é😀");
            d.put("a", List.of(1, Map.of()));
            assertThat(render("{{ d | tojson }}", "d", d)).isEqualTo("{\"z\": \"é😀\", \"a\": [1, {}]}");
            assertThat(render("{{ d | tojson(indent=2) }}", "d", d))
                    .isEqualTo("{\n  \"z\": \"é😀\",\n  \"a\": [\n    1,\n    {}\n  ]\n}");
            assertThat(render("{{ d | tojson(ensure_ascii=true, sort_keys=true, separators=(',', ':')) }}", "d", d))
                    .isEqualTo("{\"a\":[1,{}],\"z\":\"\\u00e9\\ud83d\\ude00\"}");
            assertThat(render("{{ 'a\"b\\\\c\\n' | tojson }}{{ 2.0 | tojson }}{{ none | tojson }}"))
                    .isEqualTo("\"a\\\"b\\\\c\\n\"2.0null");
        }

        @Test
        void fromJsonParsesArguments() {
            assertThat(render("{% set a = args | from_json %}{{ a.city }}{{ a.n + 1 }}", "args", "{\"city\": \"Paris\", \"n\": 1}"))
                    .isEqualTo("Paris2");
        }

        @Test
        void unknownFiltersFailOnlyWhenReached() {
            assertThat(render("{% if false %}{{ x | no_such_filter }}{% endif %}ok")).isEqualTo("ok");
            assertThatThrownBy(() -> render("{{ x | no_such_filter }}"))
                    .isInstanceOf(TemplateException.class).hasMessage("No filter named 'no_such_filter' (line 1, column 8)");
        }
    }

    @Nested
    class PythonMethods {

        @Test
        void stringMethods() {
            assertThat(render("{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}{{ 'a,b,c'.split(',', 1) }}"
                    + "{{ 'a,b,c'.rsplit(',', 1) }}")).isEqualTo("['a', 'b', '', 'c']['a', 'b']['a', 'b,c']['a,b', 'c']");
            assertThat(render("{{ 'xxhixx'.strip('x') }}{{ '  hi '.lstrip() }}{{ 'hi\\n\\n'.rstrip('\\n') }}"
                    + "{{ 'hello'.startswith('he') }}{{ 'hello'.endswith(('x', 'lo')) }}{{ 'hello'.replace('l', 'L', 1) }}"
                    + "{{ 'hello'.find('l') }}{{ 'hello'.count('l') }}")).isEqualTo("hihi hiTrueTrueheLlo22");
            assertThat(render("{{ '{} and {}'.format(1, 'b') }}|{{ '{0}{1}{0}'.format('a', 'b') }}|{{ '{x}!'.format(x=3) }}"
                    + "|{{ '-'.join(['a', 'b']) }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}"))
                    .isEqualTo("1 and b|aba|3!|a-b|Hello World|Hello");
        }

        @Test
        void dictMethods() {
            assertThat(render("{{ d.get('a') }}{{ d.get('z', 'dflt') }}[{{ d.get('z') }}]{{ d.keys() | list }}"
                    + "{{ d.values() | list }}{{ d.items() | list }}", "d", Map.of("a", 1)))
                    .isEqualTo("1dflt[]['a'][1][('a', 1)]");
        }

        @Test
        void plainAccessFindsADictKeyButACallFindsTheMethod() {
            Map<String, Object> arraySchema = new LinkedHashMap<>();
            arraySchema.put("type", "array");
            arraySchema.put("items", Map.of("type", "string"));
            assertThat(render("{{ schema.items.type }}|{% for k, v in schema.items() %}{{ k }};{% endfor %}",
                    "schema", arraySchema)).isEqualTo("string|type;items;");
        }

        @Test
        void listMethods() {
            assertThat(render("{% set xs = [1] %}{% set _ = xs.append(2) %}{{ xs }}{{ xs.pop() }}{{ xs }}"
                    + "{{ [1, 2, 1].index(2) }}{{ [1, 2, 1].count(1) }}{{ [3, 4].pop(0) }}")).isEqualTo("[1, 2]2[1]123");
            assertThatThrownBy(() -> render("{% set t = (1, 2) %}{{ t.append(3) }}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("tuple");
        }
    }

    @Nested
    class GlobalFunctions {

        @Test
        void rangeDictAndNamespace() {
            assertThat(render("{{ range(3) | list }}{{ range(1, 7, 2) | list }}{{ range(5, 0, -2) | list }}"
                    + "{{ dict(a=1) }}{{ dict([('b', 2)]) }}{{ namespace(a=1).a }}"))
                    .isEqualTo("[0, 1, 2][1, 3, 5][5, 3, 1]{'a': 1}{'b': 2}1");
            assertThatThrownBy(() -> render("{{ range(10 ** 9) | length }}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("too large");
        }

        @Test
        void raiseExceptionCarriesTheTemplatesOwnMessage() {
            assertThatThrownBy(() -> render("{% if messages[0].role == 'system' %}"
                    + "{{ raise_exception('System role not supported') }}{% endif %}", "messages", List.of(message("system", "x"))))
                    .isInstanceOfSatisfying(TemplateException.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("System role not supported");
                        assertThat(e.raisedByTemplate()).isTrue();
                        assertThat(e.line()).isEqualTo(1);
                        assertThat(e.column()).isEqualTo(41);
                    });
        }

        @Test
        void strftimeNowReadsTheGivenClock() {
            Clock clock = Clock.fixed(Instant.parse("2026-11-27T09:05:03Z"), ZoneOffset.UTC);
            ChatTemplate template = ChatTemplate.compile(
                    "{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%B %d, %Y') }}"
                            + "|{{ strftime_now('%A %H:%M:%S %I%p %j %y %%') }}").withClock(clock);
            assertThat(template.render(Map.of()))
                    .isEqualTo("2026-11-27|27 Nov 2026|November 27, 2026|Friday 09:05:03 09AM 331 26 %");
        }
    }

    @Nested
    class Errors {

        @Test
        void syntaxErrorsNameLineAndColumn() {
            assertThatThrownBy(() -> ChatTemplate.compile("line one\n{% if x %}\n{{ x + }}\n{% endif %}"))
                    .isInstanceOf(TemplateException.class).hasMessage("Unexpected '}}' (line 3, column 8)");
            assertThatThrownBy(() -> ChatTemplate.compile("{% for x in xs %}\nno end"))
                    .isInstanceOf(TemplateException.class)
                    .hasMessage("'for' is never closed with 'endfor' (line 1, column 4)");
            assertThatThrownBy(() -> ChatTemplate.compile("{{ 'unclosed }}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("never closed");
            assertThatThrownBy(() -> ChatTemplate.compile("{% if x %}{% endfor %}"))
                    .isInstanceOf(TemplateException.class)
                    .hasMessage("Unexpected 'endfor': no open block takes it here (line 1, column 14)");
            assertThatThrownBy(() -> ChatTemplate.compile("{% include 'x' %}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("Unknown tag 'include'");
            assertThatThrownBy(() -> ChatTemplate.compile("{% break %}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("outside of a for loop");
        }

        @Test
        void runtimeErrorsNameTheProblemAndItsPlace() {
            assertThatThrownBy(() -> render("{% for m in messages %}\n{% if '<think>' in m.content %}x{% endif %}{% endfor %}",
                    "messages", List.of(message("assistant", null))))
                    .isInstanceOf(TemplateException.class)
                    .hasMessage("Cannot test membership in none (line 2, column 7)");
            assertThatThrownBy(() -> render("{{ m.content.split('x') }}", "m", message("assistant", null)))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("Cannot call an undefined value");
            assertThatThrownBy(() -> render("{{ m.content[0] }}", "m", message("assistant", null)))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("Cannot take item 0 of none");
        }
    }

    @Nested
    class Safety {

        @Test
        void neverChangesTheCallersVariables() {
            List<Object> ids = new ArrayList<>(List.of("a"));
            Map<String, Object> variables = new LinkedHashMap<>(Map.of("ids", ids));
            String output = ChatTemplate.compile("{% set _ = ids.append('b') %}{{ ids }}").render(variables);
            assertThat(output).isEqualTo("['a', 'b']");
            assertThat(ids).containsExactly("a");
        }

        @Test
        void stopsRunawayTemplatesWithAnError() {
            assertThatThrownBy(() -> render("{% set ns = namespace(s='x') %}{% for i in range(64) %}"
                    + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("Result too large");
            assertThatThrownBy(() -> render("{% for i in range(2000) %}{% for j in range(2000) %}{% endfor %}{% endfor %}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("loop iterations");
            assertThatThrownBy(() -> render("{{ 'ab' * 100000000 }}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("Result too large");
        }

        @Test
        void turnsAbsurdNestingIntoAnError() {
            assertThatThrownBy(() -> ChatTemplate.compile("{{ " + "(".repeat(100_000) + "1" + ")".repeat(100_000) + " }}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("nested too deeply");
            assertThatThrownBy(() -> render("{% set xs = [] %}{% set _ = xs.append(xs) %}{{ xs | tojson }}"))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("too deep");
        }

        @Test
        void refusesUnsupportedVariableTypes() {
            assertThatThrownBy(() -> render("{{ x }}", "x", new Object()))
                    .isInstanceOf(TemplateException.class).hasMessageContaining("Unsupported variable type");
        }

        @Test
        void oneCompiledTemplateRendersConcurrently() throws Exception {
            ChatTemplate template = ChatTemplate.compile(
                    "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}"
                            + "<{{ m.role }}>{{ m.content }}{% endfor %}{{ ns.n }}");
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    int n = i % 7;
                    results.add(pool.submit(() -> {
                        List<Object> messages = new ArrayList<>();
                        StringBuilder expected = new StringBuilder();
                        for (int j = 0; j < n; j++) {
                            messages.add(message("user", "m" + j));
                            expected.append("<user>m").append(j);
                        }
                        return template.render(Map.of("messages", messages)).equals(expected.append(n).toString());
                    }));
                }
                for (Future<Boolean> result : results) {
                    assertThat(result.get()).isTrue();
                }
            }
        }
    }
}
