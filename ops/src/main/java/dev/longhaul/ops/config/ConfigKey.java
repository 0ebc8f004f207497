/*
 * The keys of the command line's configuration, as they are spelled in `longhaul.properties`
 * (property()) and in the environment (env(): LONGHAUL_ and the constant's name). The `kafka.`
 * keys are Kafka client settings: without that prefix they are the client's own names, and they
 * are handed to every Kafka client the command line creates. Secret keys are never printed.
 */
package dev.longhaul.ops.config;

import java.util.Arrays;
import java.util.Optional;

public enum ConfigKey {
    BOOTSTRAP_SERVERS("bootstrap.servers", false),
    REGISTRY_URL("registry.url", false),
    NAMESPACE("namespace", false),
    MODEL("model", false),
    BACKEND("backend", false),
    THREADS("threads", false),
    DASHBOARD_PORT("dashboard.port", false),
    DASHBOARD_TOKEN("dashboard.token", true),
    KAFKA_SECURITY_PROTOCOL("kafka.security.protocol", false),
    KAFKA_SASL_MECHANISM("kafka.sasl.mechanism", false),
    // A JAAS line carries the password inline (ScramLoginModule ... password="..."), so it is secret.
    KAFKA_SASL_JAAS_CONFIG("kafka.sasl.jaas.config", true),
    KAFKA_SSL_TRUSTSTORE_LOCATION("kafka.ssl.truststore.location", false),
    KAFKA_SSL_TRUSTSTORE_PASSWORD("kafka.ssl.truststore.password", true),
    KAFKA_SSL_KEYSTORE_LOCATION("kafka.ssl.keystore.location", false),
    KAFKA_SSL_KEYSTORE_PASSWORD("kafka.ssl.keystore.password", true),
    KAFKA_SSL_KEY_PASSWORD("kafka.ssl.key.password", true);

    /** The prefix of the keys that are Kafka client settings. */
    static final String KAFKA_PREFIX = "kafka.";

    private final String property;
    private final boolean secret;

    ConfigKey(String property, boolean secret) {
        this.property = property;
        this.secret = secret;
    }

    /** The key in a properties file, e.g. bootstrap.servers. */
    public String property() {
        return property;
    }

    /** The environment variable, e.g. LONGHAUL_BOOTSTRAP_SERVERS. */
    public String env() {
        return "LONGHAUL_" + name();
    }

    /** True for passwords and anything that embeds one: shown as **** and never logged. */
    public boolean secret() {
        return secret;
    }

    /** The Kafka client setting this key stands for (security.protocol, ...), if it is one. */
    public Optional<String> kafkaClientSetting() {
        return property.startsWith(KAFKA_PREFIX) ? Optional.of(property.substring(KAFKA_PREFIX.length())) : Optional.empty();
    }

    public static Optional<ConfigKey> ofProperty(String property) {
        return Arrays.stream(values()).filter(k -> k.property.equals(property)).findFirst();
    }
}
