package io.localgate.llamacpp.ffi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The llama.cpp library set that the build packed into this jar (see the module's pom): a dynamic
 * library can only be loaded from a file, so the set is copied once into a cache directory named
 * after its package and checksum, then loaded from there by every later start. Several processes may
 * start at once: each copies into a private folder and renames it into place; the loser of the race
 * uses the winner's copy.
 */
final class BundledLibraries {

    static final String CACHE_DIR_PROPERTY = "localgate.llama-cpp.cache-dir";
    static final String CACHE_DIR_ENV = "LOCALGATE_LLAMA_CPP_CACHE_DIR";
    private static final String RESOURCES = "/io/localgate/llamacpp/natives/";
    private static final String COMPLETE_MARKER = ".complete";

    /** What the jar carries, from the index the build wrote beside the libraries. */
    record Bundle(String packageName, String variant, String sha512, List<String> files) {

        /** A folder name that changes whenever the packed files do. */
        String directoryName() {
            return variant + "-" + packageName.substring(packageName.lastIndexOf('@') + 1) + "-" + sha512.substring(0, 16);
        }
    }

    private BundledLibraries() {
    }

    /** The packed set, or empty when the jar was built without one. */
    static Optional<Bundle> bundle() {
        try (InputStream in = BundledLibraries.class.getResourceAsStream(RESOURCES + "index.properties")) {
            if (in == null) return Optional.empty();
            var index = new Properties();
            index.load(in);
            List<String> files = Stream.of(index.getProperty("files", "").split(",")).filter(f -> !f.isBlank()).toList();
            String sha512 = index.getProperty("sha512", "");
            if (files.isEmpty() || sha512.length() < 16) {
                throw new LlamaLibraryException("the index of the llama.cpp libraries in this jar is incomplete: " + index);
            }
            return Optional.of(new Bundle(index.getProperty("package", "?"), index.getProperty("variant", "?"), sha512, files));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the set into the cache (once) and returns the folder that holds it. */
    static Path extract(Bundle bundle) {
        Path root = cacheRoot();
        Path target = root.resolve(bundle.directoryName());
        if (Files.exists(target.resolve(COMPLETE_MARKER))) return target;
        Path staging = null;
        try {
            Files.createDirectories(root);
            staging = Files.createTempDirectory(root, bundle.directoryName() + ".partial-");
            for (String file : bundle.files()) {
                try (InputStream in = BundledLibraries.class.getResourceAsStream(RESOURCES + file)) {
                    if (in == null) throw new LlamaLibraryException("the jar lists " + file + " among its llama.cpp libraries but lacks it");
                    Files.copy(in, staging.resolve(file));
                }
            }
            Files.writeString(staging.resolve(COMPLETE_MARKER), bundle.packageName() + "\n");
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                staging = null;
            } catch (IOException raced) {
                // another process renamed its copy into place first (rename onto a full folder fails)
                if (!Files.exists(target.resolve(COMPLETE_MARKER))) throw raced;
            }
            return target;
        } catch (IOException e) {
            throw new LlamaLibraryException("cannot copy the packed llama.cpp libraries (" + bundle.packageName() + ") to " + target
                    + ": " + e + " (set " + CACHE_DIR_ENV + " to a writable folder)", e);
        } finally {
            if (staging != null) deleteQuietly(staging);
        }
    }

    /** Where extracted sets live: configured, else the user's cache folder, else the temporary folder. */
    private static Path cacheRoot() {
        String configured = System.getProperty(CACHE_DIR_PROPERTY, System.getenv(CACHE_DIR_ENV));
        if (configured != null && !configured.isBlank()) return Path.of(configured).toAbsolutePath();
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path userCache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        Path candidate = userCache.resolve("localgate").resolve("llama-cpp");
        try {
            Files.createDirectories(candidate);
            if (Files.isWritable(candidate)) return candidate;
        } catch (IOException | SecurityException unwritable) {
            // read-only home (containers): fall through to the temporary folder
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "localgate-llama-cpp-" + System.getProperty("user.name"));
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a leftover partial folder is harmless: it is never used
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }
}
