package io.localgate.gateway.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The API keys, kept as SHA-256 digests only. A presented key is hashed and compared with every
 * configured digest by {@link MessageDigest#isEqual} (constant time, and equal-length inputs whatever the
 * key's length), so response times tell nothing about how much of a key was right. Keys are never logged:
 * they are told apart by their position ({@code key-1}, {@code key-2}, ...).
 */
public final class ApiKeys {

    private static final String BEARER = "bearer ";

    private final List<byte[]> digests;

    private ApiKeys(List<byte[]> digests) {
        this.digests = List.copyOf(digests);
    }

    /** The keys of the settings: the list first, then the file's. Fails when the file cannot be read or holds none. */
    public static ApiKeys of(ApiKeyProperties properties) {
        List<String> keys = new ArrayList<>();
        for (String key : properties.apiKeys()) {
            if (!key.isBlank()) keys.add(key.strip());
        }
        if (properties.apiKeysFile() != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(properties.apiKeysFile(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read the API keys file " + properties.apiKeysFile()
                        + " (localgate.api-keys-file): " + e, e);
            }
            int before = keys.size();
            for (String line : lines) {
                String key = line.strip();
                if (!key.isEmpty() && !key.startsWith("#")) keys.add(key);
            }
            if (keys.size() == before) {
                throw new IllegalStateException("The API keys file " + properties.apiKeysFile()
                        + " (localgate.api-keys-file) holds no keys; every request would be refused");
            }
        }
        return new ApiKeys(keys.stream().map(ApiKeys::sha256).toList());
    }

    /** Whether keys are required at all. */
    public boolean required() {
        return !digests.isEmpty();
    }

    /** How many keys there are. */
    public int count() {
        return digests.size();
    }

    /**
     * The id ({@code key-N}) of the key that the request's {@code Authorization: Bearer} header carries;
     * empty when it carries none or an unknown one.
     */
    public Optional<String> identify(ServerHttpRequest request) {
        String header = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) return Optional.empty();
        byte[] presented = sha256(header.substring(BEARER.length()).strip());
        int match = -1;
        for (int i = 0; i < digests.size(); i++) {
            // no early exit: every digest is compared whichever matches
            if (MessageDigest.isEqual(presented, digests.get(i)) && match < 0) match = i;
        }
        return match < 0 ? Optional.empty() : Optional.of("key-" + (match + 1));
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
