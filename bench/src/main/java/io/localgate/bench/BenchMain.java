package io.localgate.bench;

import io.localgate.backend.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/** {@code localgate bench}: synthetic models, the backend speed comparison, and the serving load bench. */
public final class BenchMain {

    static final String USAGE = """
            usage: localgate bench COMMAND [options]

              generate [--shapes llama-1b,smollm2-135m] [--types f16,q8_0,q4_0,q4_k_m]
                  writes the synthetic models (random weights, real tokenizer) that are missing into --dir;
                  F16 by our GGUF writer, the others by llama.cpp's quantizer (llama_model_quantize)

              speed MODEL... [--threads 1,2] [--runs 5] [--pp 512] [--tg 128] [--backends java,llama-cpp]
                  loads each model in each backend (same process, same thread count) and prints ppN and tgN
                  tokens/s (median and min-max of --runs timed runs after one warm-up; the backends take
                  turns run by run) and the ratio java/llama.cpp as Markdown table rows; --pp 0 or --tg 0
                  skips that test. MODEL: a .gguf path, or a synthetic model name
                  SHAPE-TYPE (shapes llama-1b, smollm2-135m; types f16, q8_0, q4_0, q4_k_m), generated into
                  --dir when missing

              engine MODEL [--backends java,llama-cpp] [--threads 2] [--parallel 16] [--context 512] [--concurrency 1,4,8]
                     [--prompt 16] [--tokens 48]
                  concurrent generations straight through the backend SPI (no HTTP): per backend and concurrency N, N
                  greedy sequences with distinct random prompts of --prompt tokens generate --tokens tokens each (end
                  tokens banned); prints tokens/s while all N decode, ms and rows per engine step, tokens per CPU second

              serve --url URL --model ID [--api-key KEY] [--concurrency 1,4,8,16] [--requests N] [--max-tokens 64]
                  the serving load bench (after vLLM's benchmark_serving) against a running gateway: --requests
                  streamed chat completions per concurrency level (default 4x the largest level, so that the highest
                  level runs several waves of requests and its ramp-up and tail weigh little), sent by that many
                  concurrent clients; prints
                  generated tokens/s, requests/s, TTFT and TPOT p50/p99 and errors as Markdown table rows.
                  The key may also come from LOCALGATE_API_KEY.

            common options (generate, speed):
              --dir DIR        synthetic model folder (default ~/.cache/localgate/synth, or LOCALGATE_SYNTH_DIR)
              --vocab-dir DIR  a folder with llama.cpp's ggml-vocab-*.gguf files (llama.cpp's models/ folder);
                               default LOCALGATE_VOCAB_DIR, else ../shared/models/vocab
              --names PATTERN  file names in --dir (default {shape}-{type}.gguf)
              --seed N         weights' random seed (default 42)
            """;

    private BenchMain() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            System.out.print(USAGE);
            return;
        }
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        try {
            switch (argv[0]) {
                case "generate" -> generate(new Args(rest, Set.of()));
                case "speed" -> speed(new Args(rest, Set.of()));
                case "serve" -> serve(new Args(rest, Set.of()));
                case "engine" -> engine(new Args(rest, Set.of()));
                default -> throw new IllegalArgumentException("unknown command " + argv[0]);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("localgate bench: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
    }

    static SyntheticModels synthetic(Args args) {
        String home = System.getProperty("user.home");
        String dir = args.string("dir", env("LOCALGATE_SYNTH_DIR", home + "/.cache/localgate/synth"));
        String shared = System.getProperty("localgate.shared.models", "../shared/models");
        String vocab = args.string("vocab-dir", env("LOCALGATE_VOCAB_DIR", shared + "/vocab"));
        long seed = Long.parseLong(args.string("seed", Long.toString(SyntheticModels.DEFAULT_SEED)));
        String names = args.string("names", SyntheticModels.DEFAULT_NAMES);
        return new SyntheticModels(Path.of(dir), names, Path.of(vocab), seed, System.out);
    }

    private static void generate(Args args) throws IOException {
        SyntheticModels models = synthetic(args);
        List<ModelShape> shapes = args.list("shapes", "llama-1b,smollm2-135m").stream()
                .map(s -> ModelShape.byName(s).orElseThrow(() -> new IllegalArgumentException("unknown shape " + s))).toList();
        List<QuantType> types = args.list("types", "f16,q8_0,q4_0,q4_k_m").stream().map(QuantType::parse).toList();
        args.requireAllUsed();
        for (ModelShape shape : shapes) {
            for (QuantType type : types) System.out.println(models.ensure(shape, type));
        }
    }

    private static void speed(Args args) throws IOException {
        SyntheticModels models = synthetic(args);
        var settings = new BackendBench.Settings(args.integer("pp", 512), args.integer("tg", 128), args.integer("runs", 5));
        List<Integer> threads = args.integers("threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
        List<Backend> backends = args.list("backends", SpeedReport.JAVA + "," + SpeedReport.LLAMA_CPP).stream().map(BenchMain::backend).toList();
        args.requireAllUsed();
        if (args.positional().isEmpty()) throw new IllegalArgumentException("speed needs at least one MODEL");
        var files = new ArrayList<Path>();
        for (String model : args.positional()) files.add(resolveModel(models, model));

        String before = Machine.describe();
        System.out.println("# " + before);
        var bench = new BackendBench(settings, System.out);
        var results = new ArrayList<SpeedReport.ModelResults>();
        for (Path file : files) {
            String label = label(file);
            System.out.println("## " + label + " (" + file + ")");
            var measurements = new ArrayList<BackendBench.Measurement>();
            for (int t : threads) measurements.addAll(bench.run(backends, file, t));
            results.add(new SpeedReport.ModelResults(label, Files.size(file), measurements));
        }
        System.out.println();
        System.out.println("Measured " + before + " (load average at the end: " + Machine.loadAverage() + ")");
        System.out.println();
        System.out.print(SpeedReport.header());
        for (SpeedReport.ModelResults r : results) SpeedReport.rows(r).forEach(System.out::println);
    }

    private static void engine(Args args) throws IOException, InterruptedException {
        SyntheticModels models = synthetic(args);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        var settings = new EngineBench.Settings(threads, args.integer("parallel", 16), args.integer("context", 512), args.integer("prompt", 16),
                args.integer("tokens", 48));
        List<Backend> backends = args.list("backends", SpeedReport.JAVA + "," + SpeedReport.LLAMA_CPP).stream().map(BenchMain::backend).toList();
        List<Integer> concurrencies = args.integers("concurrency", "1,4,8");
        args.requireAllUsed();
        if (args.positional().size() != 1) throw new IllegalArgumentException("engine needs one MODEL");
        Path file = resolveModel(models, args.positional().getFirst());
        String before = Machine.describe();
        System.out.println("# engine bench: " + file + ", threads " + threads + ", parallel " + settings.parallel() + ", context "
                + settings.contextSize() + ", prompts of " + settings.promptTokens() + " tokens, " + settings.tokens() + " generated; " + before);
        var bench = new EngineBench(settings, System.out);
        var rows = new ArrayList<String>();
        for (Backend backend : backends) rows.addAll(EngineBench.rows(backend.id(), threads, bench.run(backend, file, concurrencies)));
        System.out.println();
        System.out.println("Measured " + before + " (load average at the end: " + Machine.loadAverage() + ")");
        System.out.println();
        System.out.print(EngineBench.header());
        rows.forEach(System.out::println);
    }

    private static void serve(Args args) throws InterruptedException {
        String url = args.string("url", null);
        String model = args.string("model", null);
        if (url == null || model == null) throw new IllegalArgumentException("serve needs --url and --model");
        String key = args.string("api-key", env("LOCALGATE_API_KEY", ""));
        List<Integer> concurrencies = args.integers("concurrency", "1,4,8,16");
        int waves = 4 * concurrencies.stream().mapToInt(Integer::intValue).max().orElse(1);
        var settings = new ServingBench.Settings(url, model, key.isEmpty() ? Optional.empty() : Optional.of(key),
                args.integer("requests", waves), args.integer("max-tokens", 64));
        args.requireAllUsed();
        if (!args.positional().isEmpty()) throw new IllegalArgumentException("serve takes no positional arguments: " + args.positional());
        String before = Machine.describe();
        System.out.println("# serving bench: " + model + " at " + url + "; " + settings.requests() + " requests per level, max_tokens "
                + settings.maxTokens() + "; " + before);
        var levels = new ServingBench(settings, System.out).run(concurrencies);
        System.out.println();
        System.out.println("Measured " + before + " (load average at the end: " + Machine.loadAverage() + ")");
        System.out.println();
        System.out.print(ServingBench.header());
        ServingBench.rows(levels).forEach(System.out::println);
    }

    private static Path resolveModel(SyntheticModels models, String model) throws IOException {
        Path path = Path.of(model);
        if (model.endsWith(".gguf") && Files.isRegularFile(path)) return path;
        var named = SyntheticModels.parse(path.getFileName().toString());
        if (named.isEmpty()) throw new IllegalArgumentException(model + " is neither a .gguf file nor a synthetic model name SHAPE-TYPE");
        return models.ensure(named.get().shape(), named.get().type());
    }

    /** "llama-1b Q4_K_M" for a synthetic model, else the file name without .gguf. */
    private static String label(Path file) {
        String name = file.getFileName().toString();
        return SyntheticModels.parse(name).map(n -> n.shape().name() + " " + n.type().name())
                .orElse(name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name);
    }

    private static Backend backend(String id) {
        return ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get).filter(b -> b.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backend " + id));
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
