package io.localgate.gateway.security;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the API. With no keys at all, anyone may.
 *
 * @param apiKeys     keys that clients send as {@code Authorization: Bearer KEY} ({@code LOCALGATE_API_KEYS},
 *                    comma-separated)
 * @param apiKeysFile a file of further keys, one a line; blank lines and lines starting with {@code #} are
 *                    skipped ({@code LOCALGATE_API_KEYS_FILE})
 * @param openPaths   paths (Spring path patterns) served without a key and outside admission and request
 *                    metrics: health and metrics. Everything else (all of {@code /v1}, {@code /tokenize}, ...)
 *                    is the API
 */
@ConfigurationProperties("localgate")
public record ApiKeyProperties(
        @DefaultValue List<String> apiKeys,
        Path apiKeysFile,
        @DefaultValue({"/health/**", "/metrics", "/actuator/**"}) List<String> openPaths) {
}
