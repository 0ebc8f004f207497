/*
 * The command line's one typed, immutable, validated configuration (STYLE.md, Configuration):
 * where Kafka and the schema registry are, the topic namespace, the worker's model and engine, the
 * dashboard's port and bearer token, and the Kafka client security settings that every Kafka client the command
 * line creates is given. Every default is in DEFAULTS; EffectiveConfig lays a file and the
 * environment over them, and the command's own options win over all of it. Secrets are held as
 * Secret, whose toString is masked, so a record printed by accident shows no password.
 */
package dev.longhaul.ops.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

public record LonghaulConfig(String bootstrapServers, URI registryUrl, String namespace, Worker worker, Dashboard dashboard,
                             KafkaSecurity security) {

    /** The defaults, in one place: the embedded dev stack on this machine, the CPU engine, no security. */
    public static final LonghaulConfig DEFAULTS = new LonghaulConfig("localhost:9092", URI.create("http://localhost:8081"),
            "longhaul.", new Worker(Optional.empty(), "cpu", OptionalInt.empty()), new Dashboard(8080, Secret.NONE),
            new KafkaSecurity("PLAINTEXT", "", Secret.NONE, "", Secret.NONE, "", Secret.NONE, Secret.NONE));

    public LonghaulConfig {
        require(ConfigKey.BOOTSTRAP_SERVERS, bootstrapServers != null && !bootstrapServers.isBlank()
                && !bootstrapServers.matches(".*\\s.*"), "must be HOST:PORT[,HOST:PORT...] without spaces");
        require(ConfigKey.REGISTRY_URL, registryUrl != null && registryUrl.getHost() != null
                && ("http".equals(registryUrl.getScheme()) || "https".equals(registryUrl.getScheme())), "must be an http(s) URL");
        require(ConfigKey.NAMESPACE, namespace != null && namespace.matches("[A-Za-z0-9._-]*"),
                "must be letters, digits, '.', '_' or '-'");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(dashboard, "dashboard");
        Objects.requireNonNull(security, "security");
    }

    /** The worker's engine: its model folder (no default), backend, and threads (empty: all processors). */
    public record Worker(Optional<Path> model, String backend, OptionalInt threads) {
        public Worker {
            Objects.requireNonNull(model, "model");
            require(ConfigKey.BACKEND, backend != null && (backend.matches("[A-Za-z0-9_-]+") || backend.matches("remote:\\S+")),
                    "must be a backend name (cpu, scalar, cuda) or remote:URL");
            require(ConfigKey.THREADS, threads.orElse(1) >= 1, "must be at least 1");
        }
    }

    /** The dashboard's port and its API's bearer token (empty: generated at start and printed with the URL). */
    public record Dashboard(int port, Secret token) {
        public Dashboard {
            require(ConfigKey.DASHBOARD_PORT, port >= 0 && port <= 65535, "must be 0..65535");
            require(ConfigKey.DASHBOARD_TOKEN, token != null && !token.value().matches(".*\\s.*"), "must not contain spaces");
        }
    }

    /**
     * Kafka client security, in Kafka's own terms; empty strings are settings not given. Passed
     * through unchanged to every client (clientProperties), so whatever the broker's listener asks
     * for (SASL_SSL with SCRAM, mutual TLS, ...) is configured once here.
     */
    public record KafkaSecurity(String protocol, String saslMechanism, Secret saslJaasConfig, String truststoreLocation,
                                Secret truststorePassword, String keystoreLocation, Secret keystorePassword,
                                Secret keyPassword) {
        static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");

        public KafkaSecurity {
            require(ConfigKey.KAFKA_SECURITY_PROTOCOL, PROTOCOLS.contains(protocol), "must be one of " + String.join(", ",
                    PROTOCOLS.stream().sorted().toList()));
            Objects.requireNonNull(saslMechanism, "saslMechanism");
            Objects.requireNonNull(truststoreLocation, "truststoreLocation");
            Objects.requireNonNull(keystoreLocation, "keystoreLocation");
            Objects.requireNonNull(saslJaasConfig, "saslJaasConfig");
            Objects.requireNonNull(truststorePassword, "truststorePassword");
            Objects.requireNonNull(keystorePassword, "keystorePassword");
            Objects.requireNonNull(keyPassword, "keyPassword");
            // Credentials the protocol never sends are a misconfiguration the broker would not report.
            boolean sasl = protocol.startsWith("SASL_");
            require(ConfigKey.KAFKA_SASL_JAAS_CONFIG, sasl || saslJaasConfig.isEmpty(),
                    "is set but kafka.security.protocol " + protocol + " does not use SASL");
            require(ConfigKey.KAFKA_SASL_MECHANISM, sasl || saslMechanism.isEmpty(),
                    "is set but kafka.security.protocol " + protocol + " does not use SASL");
        }

        /**
         * The Kafka client settings given, by Kafka's names: what every client the CLI creates is
         * handed. PLAINTEXT is Kafka's own default, so a plain broker's clients get nothing extra.
         */
        public Map<String, String> clientProperties() {
            Map<String, String> p = new LinkedHashMap<>();
            put(p, "security.protocol", protocol.equals("PLAINTEXT") ? "" : protocol);
            put(p, "sasl.mechanism", saslMechanism);
            put(p, "sasl.jaas.config", saslJaasConfig.value());
            put(p, "ssl.truststore.location", truststoreLocation);
            put(p, "ssl.truststore.password", truststorePassword.value());
            put(p, "ssl.keystore.location", keystoreLocation);
            put(p, "ssl.keystore.password", keystorePassword.value());
            put(p, "ssl.key.password", keyPassword.value());
            return Map.copyOf(p);
        }

        private static void put(Map<String, String> p, String key, String value) {
            if (!value.isEmpty()) {
                p.put(key, value);
            }
        }
    }

    /** A password or a JAAS line: the value is read only where a client needs it; printed, it is ****. */
    public record Secret(String value) {
        public static final Secret NONE = new Secret("");
        public static final String MASK = "****";

        public Secret {
            Objects.requireNonNull(value, "value");
        }

        public boolean isEmpty() {
            return value.isEmpty();
        }

        @Override
        public String toString() {
            return isEmpty() ? "" : MASK;
        }
    }

    /**
     * This configuration with the given values (file, environment and option strings by key)
     * parsed over it; keys not given keep their values here. A bad value fails with InvalidValue
     * naming its key.
     */
    public LonghaulConfig with(Map<ConfigKey, String> given) {
        Map<ConfigKey, String> v = new EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            v.put(key, given.getOrDefault(key, text(key)));
        }
        return new LonghaulConfig(v.get(ConfigKey.BOOTSTRAP_SERVERS).strip(), uri(v.get(ConfigKey.REGISTRY_URL)),
                v.get(ConfigKey.NAMESPACE).strip(),
                new Worker(v.get(ConfigKey.MODEL).isBlank() ? Optional.empty() : Optional.of(Path.of(v.get(ConfigKey.MODEL).strip())),
                        v.get(ConfigKey.BACKEND).strip(), optionalInt(ConfigKey.THREADS, v.get(ConfigKey.THREADS))),
                new Dashboard(integer(ConfigKey.DASHBOARD_PORT, v.get(ConfigKey.DASHBOARD_PORT)),
                        new Secret(v.get(ConfigKey.DASHBOARD_TOKEN).strip())),
                new KafkaSecurity(v.get(ConfigKey.KAFKA_SECURITY_PROTOCOL).strip(), v.get(ConfigKey.KAFKA_SASL_MECHANISM).strip(),
                        new Secret(v.get(ConfigKey.KAFKA_SASL_JAAS_CONFIG).strip()),
                        v.get(ConfigKey.KAFKA_SSL_TRUSTSTORE_LOCATION).strip(), new Secret(v.get(ConfigKey.KAFKA_SSL_TRUSTSTORE_PASSWORD)),
                        v.get(ConfigKey.KAFKA_SSL_KEYSTORE_LOCATION).strip(), new Secret(v.get(ConfigKey.KAFKA_SSL_KEYSTORE_PASSWORD)),
                        new Secret(v.get(ConfigKey.KAFKA_SSL_KEY_PASSWORD))));
    }

    /** The value of a key as it would be written in a file, "" when not set; secrets in clear. */
    public String text(ConfigKey key) {
        return switch (key) {
            case BOOTSTRAP_SERVERS -> bootstrapServers;
            case REGISTRY_URL -> registryUrl.toString();
            case NAMESPACE -> namespace;
            case MODEL -> worker.model().map(Path::toString).orElse("");
            case BACKEND -> worker.backend();
            case THREADS -> worker.threads().isPresent() ? Integer.toString(worker.threads().getAsInt()) : "";
            case DASHBOARD_PORT -> Integer.toString(dashboard.port());
            case DASHBOARD_TOKEN -> dashboard.token().value();
            case KAFKA_SECURITY_PROTOCOL -> security.protocol();
            case KAFKA_SASL_MECHANISM -> security.saslMechanism();
            case KAFKA_SASL_JAAS_CONFIG -> security.saslJaasConfig().value();
            case KAFKA_SSL_TRUSTSTORE_LOCATION -> security.truststoreLocation();
            case KAFKA_SSL_TRUSTSTORE_PASSWORD -> security.truststorePassword().value();
            case KAFKA_SSL_KEYSTORE_LOCATION -> security.keystoreLocation();
            case KAFKA_SSL_KEYSTORE_PASSWORD -> security.keystorePassword().value();
            case KAFKA_SSL_KEY_PASSWORD -> security.keyPassword().value();
        };
    }

    /** What every Kafka client the command line creates is given on top of its own settings. */
    public Map<String, String> kafkaClientOverrides() {
        return security.clientProperties();
    }

    /** A value that does not parse or validate, with the key it was given for. */
    public static final class InvalidValue extends IllegalArgumentException {
        private final ConfigKey key;

        InvalidValue(ConfigKey key, String message) {
            super(key.property() + " " + message);
            this.key = key;
        }

        public ConfigKey key() {
            return key;
        }
    }

    private static URI uri(String text) {
        try {
            return new URI(text.strip());
        } catch (java.net.URISyntaxException e) {
            throw new InvalidValue(ConfigKey.REGISTRY_URL, "must be an http(s) URL, got '" + text + "'");
        }
    }

    private static int integer(ConfigKey key, String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidValue(key, "must be a whole number, got '" + text + "'");
        }
    }

    private static OptionalInt optionalInt(ConfigKey key, String text) {
        return text.isBlank() ? OptionalInt.empty() : OptionalInt.of(integer(key, text));
    }

    private static void require(ConfigKey key, boolean condition, String message) {
        if (!condition) {
            throw new InvalidValue(key, message);
        }
    }
}
