package io.localgate.llamacpp.ffi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The loaded llama.cpp libraries: {@code libggml-base}, {@code libggml} and {@code libllama} from one
 * folder, loaded by absolute path (their own dependencies resolve from the same folder), checked to be
 * the pinned release, with ggml's backends (the CPU variants and any GPU backend in the folder) loaded
 * through {@code ggml_backend_load_all_from_path} before {@code llama_backend_init}.
 *
 * <p>The folder is {@code LOCALGATE_LLAMA_CPP_LIB_PATH} (or the system property
 * {@code localgate.llama-cpp.lib-path}) when set, else the set packed in this jar. A process loads
 * llama.cpp once: {@link #shared()} remembers the library, or why it could not be loaded.
 */
public final class LlamaLibrary {

    public static final String PATH_ENV = "LOCALGATE_LLAMA_CPP_LIB_PATH";
    public static final String PATH_PROPERTY = "localgate.llama-cpp.lib-path";

    private static final System.Logger LOG = System.getLogger(LlamaLibrary.class.getName());

    private final Llama api;
    private final NativeLog log;
    private final Path directory;
    private final List<String> devices;
    private final boolean gpu;
    private final String description;

    private LlamaLibrary(Llama api, NativeLog log, Path directory, List<String> devices, boolean gpu, String description) {
        this.api = api;
        this.log = log;
        this.directory = directory;
        this.devices = List.copyOf(devices);
        this.gpu = gpu;
        this.description = description;
    }

    /** The one load of this process, attempted on first use. */
    private static final class Shared {
        static final LlamaLibrary LIBRARY;
        static final LlamaLibraryException FAILURE;

        static {
            LlamaLibrary library = null;
            LlamaLibraryException failure = null;
            try {
                library = loadConfigured();
                LOG.log(System.Logger.Level.INFO, library.description());
            } catch (LlamaLibraryException e) {
                failure = e;
                LOG.log(System.Logger.Level.WARNING, "llama-cpp backend unavailable: " + e.getMessage());
            } catch (RuntimeException | LinkageError e) {
                failure = new LlamaLibraryException("cannot load llama.cpp: " + e, e);
                LOG.log(System.Logger.Level.WARNING, "llama-cpp backend unavailable", e);
            }
            LIBRARY = library;
            FAILURE = failure;
        }
    }

    /**
     * The process's llama.cpp, loaded on the first call.
     *
     * @throws LlamaLibraryException (every time) when it could not be loaded, naming what was looked for and where
     */
    public static LlamaLibrary shared() {
        if (Shared.FAILURE != null) throw new LlamaLibraryException(Shared.FAILURE.getMessage(), Shared.FAILURE);
        return Shared.LIBRARY;
    }

    private static LlamaLibrary loadConfigured() {
        String property = System.getProperty(PATH_PROPERTY);
        String env = System.getenv(PATH_ENV);
        if (property != null && !property.isBlank()) return load(Path.of(property), "system property " + PATH_PROPERTY);
        if (env != null && !env.isBlank()) return load(Path.of(env), PATH_ENV);
        var bundle = BundledLibraries.bundle().orElseThrow(() -> new LlamaLibraryException(
                "no llama.cpp libraries: " + PATH_ENV + " is not set and this build packs none (it was built with -Dllama.cpp.natives.skip=true)"));
        return load(BundledLibraries.extract(bundle), "the " + bundle.packageName() + " set packed in the jar");
    }

    /**
     * Loads llama.cpp from a folder. Nothing stays loaded when the folder lacks a library or holds another release.
     *
     * @param source where the folder came from, for messages
     */
    static LlamaLibrary load(Path directory, String source) {
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new LlamaLibraryException("llama.cpp library folder " + dir + " (from " + source + ") does not exist or is not a folder");
        }
        Path base = find(dir, "ggml-base", source);
        Path ggml = find(dir, "ggml", source);
        Path llama = find(dir, "llama", source);
        String where = llama + " (from " + source + ")";

        // Closed (unloading the libraries) if they prove unusable before llama.cpp holds our log callback;
        // after that they stay loaded for the life of the process.
        Arena arena = Arena.ofShared();
        boolean holdsCallback = false;
        try {
            SymbolLookup symbols = open(llama, arena, source).or(open(ggml, arena, source)).or(open(base, arena, source));
            var api = new Llama(symbols, where);
            String llamaVersion = api.version().reinterpret(Integer.MAX_VALUE).getString(0);
            String ggmlVersion = api.ggmlVersion().reinterpret(Integer.MAX_VALUE).getString(0);
            String ggmlCommit = api.ggmlCommit().reinterpret(Integer.MAX_VALUE).getString(0);
            String llamaBase = llamaVersion.contains("-") ? llamaVersion.substring(0, llamaVersion.indexOf('-')) : llamaVersion;
            if (!llamaBase.equals(Llama.PINNED_LLAMA_VERSION) || !ggmlVersion.equals(Llama.PINNED_GGML_VERSION)) {
                throw new LlamaLibraryException("llama.cpp at " + where + " is version " + llamaVersion + " (ggml " + ggmlVersion + ", commit "
                        + ggmlCommit + "), but localgate's bindings are for llama.cpp " + Llama.PINNED_LLAMA_VERSION + " (ggml "
                        + Llama.PINNED_GGML_VERSION + "): point " + PATH_ENV + " at a build of that release");
            }

            var log = new NativeLog();
            holdsCallback = true;
            api.logSet(log.callback(arena), MemorySegment.NULL);
            api.ggmlBackendLoadAllFromPath(arena.allocateFrom(dir.toString()));
            api.backendInit();

            var devices = new ArrayList<String>();
            boolean gpu = false;
            for (long i = 0, n = api.ggmlBackendDevCount(); i < n; i++) {
                MemorySegment device = api.ggmlBackendDevGet(i);
                int type = api.ggmlBackendDevType(device);
                gpu |= type == Llama.DEVICE_TYPE_GPU || type == Llama.DEVICE_TYPE_IGPU;
                devices.add(cString(api.ggmlBackendDevName(device)) + " (" + cString(api.ggmlBackendDevDescription(device)) + ")");
            }
            if (devices.isEmpty()) {
                throw new LlamaLibraryException("llama.cpp at " + where + " found no compute device: no ggml backend library (libggml-cpu*) in " + dir);
            }
            String description = "llama.cpp " + llamaVersion + " (ggml " + ggmlVersion + ", commit " + ggmlCommit + ") from " + dir
                    + " (" + source + "); devices: " + String.join(", ", devices);
            return new LlamaLibrary(api, log, dir, devices, gpu, description);
        } catch (RuntimeException | Error e) {
            if (!holdsCallback) arena.close();
            throw e;
        }
    }

    /**
     * The library file for {@code name} in the folder: {@code libNAME.so} (a build of one's own; {@code .dylib},
     * {@code NAME.dll}), or node-llama-cpp's versioned {@code libNAME.v0.4.0.so}.
     */
    static Path find(Path dir, String name, String source) {
        Path plain = dir.resolve(System.mapLibraryName(name));
        if (Files.isRegularFile(plain)) return plain;
        Pattern versioned = Pattern.compile("(lib)?" + Pattern.quote(name) + "\\.v[0-9][^/\\\\]*\\.(so|dylib|dll)");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> versioned.matcher(f.getFileName().toString()).matches()).sorted().findFirst()
                    .orElseThrow(() -> new LlamaLibraryException("no " + plain.getFileName() + " (nor lib" + name + ".v*.so) in " + dir
                            + " (from " + source + ")"));
        } catch (IOException e) {
            throw new LlamaLibraryException("cannot list " + dir + " (from " + source + "): " + e, e);
        }
    }

    private static SymbolLookup open(Path library, Arena arena, String source) {
        try {
            return SymbolLookup.libraryLookup(library, arena);
        } catch (IllegalArgumentException e) {
            throw new LlamaLibraryException("cannot load " + library + " (from " + source + "): " + e.getMessage(), e);
        }
    }

    private static String cString(MemorySegment pointer) {
        return pointer.equals(MemorySegment.NULL) ? "" : pointer.reinterpret(Integer.MAX_VALUE).getString(0);
    }

    public Llama api() {
        return api;
    }

    /** This thread's llama.cpp error log lines since the last call (why a call that returned NULL failed). */
    public List<String> takeErrors() {
        return log.takeErrors();
    }

    public Path directory() {
        return directory;
    }

    /** The compute devices ggml found, e.g. {@code CPU (AMD EPYC 9654)}, {@code CUDA0 (NVIDIA H100)}. */
    public List<String> devices() {
        return devices;
    }

    /** Whether a GPU (discrete or integrated) is among the devices, so that layers are offloaded by default. */
    public boolean hasGpu() {
        return gpu;
    }

    /** Versions, folder and devices, for the log. */
    public String description() {
        return description;
    }
}
