/*
 * An HTTP server's one access token, as the dashboard and `serve` use it. On the dashboard every
 * endpoint that answers with data (the JSON API, the event stream, /metrics) or acts (cancel)
 * requires `Authorization: Bearer TOKEN`; only the page's static files, which hold no data, are
 * served without it. On `serve` every /v1 endpoint requires it (OpenAI clients send their API key
 * so). A token given in the configuration is used as
 * it is; otherwise one is generated at start (256 random bits) and printed with the page's URL.
 * Comparison is constant-time, so response timing does not leak a prefix of the token.
 */
package dev.longhaul.ops.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

public final class BearerToken {
    private static final String SCHEME = "Bearer ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String value;

    private BearerToken(String value) {
        this.value = value;
    }

    /** The configured token, or a fresh random one when none is configured (blank). */
    public static BearerToken configuredOrGenerated(String configured) {
        if (!configured.isBlank()) {
            return new BearerToken(configured.strip());
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new BearerToken(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    public String value() {
        return value;
    }

    /** True when an Authorization header value carries this token. */
    public boolean admits(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] given = authorization.substring(SCHEME.length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "****";
    }
}
