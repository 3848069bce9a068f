package io.localgate.backend;

/**
 * A loaded model's engine figures at one moment, for metrics. Counters ({@code steps},
 * {@code batchRowsTotal}, {@code promptTokensReused}) only grow while the model is loaded; the gateway
 * turns them into rates (rows per step = the rate of {@code batchRowsTotal} over that of {@code steps}).
 *
 * @param queuedSequences       generations subscribed to and waiting for a slot
 * @param activeSequences       generations holding a slot (being prefilled or decoded)
 * @param slots                 sequences that can run at once ({@code parallel})
 * @param kvCacheTokensUsed     KV cache positions held by active sequences (a finished sequence's rows kept
 *                              for prefix reuse count as free: any new sequence may overwrite them)
 * @param kvCacheTokensCapacity KV cache positions in all (context size x slots)
 * @param steps                 forward passes run (each one batch)
 * @param batchRowsTotal        token rows in those passes (prompt rows plus one row per generating sequence)
 * @param promptTokensReused    prompt tokens taken from the KV cache instead of being computed again
 */
public record ModelStats(int queuedSequences, int activeSequences, int slots, long kvCacheTokensUsed, long kvCacheTokensCapacity,
                         long steps, long batchRowsTotal, long promptTokensReused) {
}
