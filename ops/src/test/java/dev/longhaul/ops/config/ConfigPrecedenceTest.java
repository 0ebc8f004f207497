/*
 * The configuration's layers (issue "Ops"): default < file < environment < option, each value's
 * source as `config show` reports it, which file is read (--config, LONGHAUL_CONFIG,
 * ./longhaul.properties), secrets never printed, and bad input failing with the key and its source.
 * The environment is a Map handed in; the process's own is never read or changed.
 */
package dev.longhaul.ops.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigPrecedenceTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"longhaul\" password=\"s3cret-jaas\";";

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void nothingGivenIsEveryDefaultWithSourceDefault() {
        EffectiveConfig c = EffectiveConfig.load(null, Map.of(), dir);

        assertEquals(LonghaulConfig.DEFAULTS, c.config());
        for (ConfigKey key : ConfigKey.values()) {
            assertEquals("default", c.source(key).toString(), key.property());
        }
        assertEquals(Map.of(), c.config().kafkaClientOverrides());
    }

    @Test
    void fileOverridesDefaultEnvOverridesFileOptionOverridesEnv() throws IOException {
        write(EffectiveConfig.FILE_NAME, """
                bootstrap.servers=file-broker:9092
                namespace=file.
                threads=3
                dashboard.port=9000
                """);
        Map<String, String> env = Map.of("LONGHAUL_NAMESPACE", "env.", "LONGHAUL_THREADS", "5");

        EffectiveConfig c = EffectiveConfig.load(null, env, dir).withOption(ConfigKey.THREADS, "--threads", "7");

        assertEquals(URI.create("http://localhost:8081"), c.config().registryUrl());
        assertEquals("default", c.source(ConfigKey.REGISTRY_URL).toString());
        assertEquals("file-broker:9092", c.config().bootstrapServers());
        assertEquals("file " + dir.resolve(EffectiveConfig.FILE_NAME), c.source(ConfigKey.BOOTSTRAP_SERVERS).toString());
        assertEquals(9000, c.config().dashboard().port());
        assertEquals("env.", c.config().namespace());
        assertEquals("env LONGHAUL_NAMESPACE", c.source(ConfigKey.NAMESPACE).toString());
        assertEquals(OptionalInt.of(7), c.config().worker().threads());
        assertEquals("option --threads", c.source(ConfigKey.THREADS).toString());
    }

    @Test
    void configOptionWinsOverLonghaulConfigWhichWinsOverTheWorkingDirectoryFile() throws IOException {
        write(EffectiveConfig.FILE_NAME, "namespace=local.\n");
        Path named = write("named.properties", "namespace=named.\n");
        Path option = write("option.properties", "namespace=option.\n");
        Map<String, String> env = Map.of(EffectiveConfig.CONFIG_ENV, named.toString());

        assertEquals("local.", EffectiveConfig.load(null, Map.of(), dir).config().namespace());
        assertEquals("named.", EffectiveConfig.load(null, env, dir).config().namespace());
        EffectiveConfig fromOption = EffectiveConfig.load(option, env, dir);
        assertEquals("option.", fromOption.config().namespace());
        assertEquals("file " + option, fromOption.source(ConfigKey.NAMESPACE).toString());
    }

    @Test
    void aFileThatWasAskedForMustExistButTheWorkingDirectoryOneIsOptional() {
        var missing = assertThrows(IllegalArgumentException.class,
                () -> EffectiveConfig.load(dir.resolve("nope.properties"), Map.of(), dir));
        assertTrue(missing.getMessage().contains("nope.properties"), missing.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> EffectiveConfig.load(null, Map.of(EffectiveConfig.CONFIG_ENV, dir.resolve("gone").toString()), dir));
        assertEquals(LonghaulConfig.DEFAULTS, EffectiveConfig.load(null, Map.of(), dir).config());
    }

    @Test
    void unknownKeysAndBadValuesFailNamingTheKeyAndTheSource() throws IOException {
        Path typo = write("typo.properties", "bootstrap.server=x:9092\n");
        var unknown = assertThrows(IllegalArgumentException.class, () -> EffectiveConfig.load(typo, Map.of(), dir));
        assertTrue(unknown.getMessage().contains("unknown key 'bootstrap.server'"), unknown.getMessage());

        var bad = assertThrows(IllegalArgumentException.class,
                () -> EffectiveConfig.load(null, Map.of("LONGHAUL_THREADS", "many"), dir));
        assertTrue(bad.getMessage().contains("threads") && bad.getMessage().contains("env LONGHAUL_THREADS"), bad.getMessage());

        Path port = write("port.properties", "dashboard.port=70000\n");
        var range = assertThrows(IllegalArgumentException.class, () -> EffectiveConfig.load(port, Map.of(), dir));
        assertTrue(range.getMessage().contains("dashboard.port") && range.getMessage().contains("file " + port), range.getMessage());

        var protocol = assertThrows(IllegalArgumentException.class,
                () -> EffectiveConfig.load(null, Map.of("LONGHAUL_KAFKA_SECURITY_PROTOCOL", "TLS"), dir));
        assertTrue(protocol.getMessage().contains("kafka.security.protocol"), protocol.getMessage());
    }

    @Test
    void blankValuesCountAsNotGiven() throws IOException {
        write(EffectiveConfig.FILE_NAME, "model=\nkafka.ssl.truststore.location=\n");

        EffectiveConfig c = EffectiveConfig.load(null, Map.of("LONGHAUL_NAMESPACE", ""), dir);

        assertEquals(LonghaulConfig.DEFAULTS, c.config());
        assertEquals("default", c.source(ConfigKey.MODEL).toString());
        assertEquals("default", c.source(ConfigKey.NAMESPACE).toString());
    }

    @Test
    void securitySettingsBecomeKafkaClientSettingsByKafkasNames() throws IOException {
        write(EffectiveConfig.FILE_NAME, """
                kafka.security.protocol=SASL_SSL
                kafka.sasl.mechanism=SCRAM-SHA-512
                kafka.ssl.truststore.location=/etc/kafka/ca.p12
                """);
        Map<String, String> env = Map.of("LONGHAUL_KAFKA_SASL_JAAS_CONFIG", JAAS,
                "LONGHAUL_KAFKA_SSL_TRUSTSTORE_PASSWORD", "trust-pw");

        Map<String, String> client = EffectiveConfig.load(null, env, dir).config().kafkaClientOverrides();

        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", JAAS,
                "ssl.truststore.location", "/etc/kafka/ca.p12", "ssl.truststore.password", "trust-pw"), client);
    }

    @Test
    void saslCredentialsWithoutASaslProtocolAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> EffectiveConfig.load(null, Map.of("LONGHAUL_KAFKA_SASL_JAAS_CONFIG", JAAS), dir));
        assertTrue(e.getMessage().contains("kafka.sasl.jaas.config"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret-jaas"), "the error must not echo the secret: " + e.getMessage());
    }

    @Test
    void secretsAreMaskedInShowAndInEveryToString() {
        Map<String, String> env = Map.of("LONGHAUL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "LONGHAUL_KAFKA_SASL_JAAS_CONFIG", JAAS,
                "LONGHAUL_KAFKA_SSL_KEYSTORE_PASSWORD", "key-store-pw",
                "LONGHAUL_KAFKA_SSL_KEY_PASSWORD", "private-key-pw");

        EffectiveConfig c = EffectiveConfig.load(null, env, dir);
        String shown = String.join("\n", c.show());

        for (String secret : new String[] {"s3cret-jaas", "key-store-pw", "private-key-pw"}) {
            assertFalse(shown.contains(secret), "show() printed a secret:\n" + shown);
            assertFalse(c.toString().contains(secret), "EffectiveConfig.toString printed a secret");
            assertFalse(c.config().toString().contains(secret), "LonghaulConfig.toString printed a secret");
        }
        assertTrue(c.show().stream().anyMatch(l -> l.matches("kafka\\.sasl\\.jaas\\.config\\s+\\*{4}\\s+env LONGHAUL_KAFKA_SASL_JAAS_CONFIG")),
                shown);
        assertTrue(c.show().stream().anyMatch(l -> l.matches("kafka\\.ssl\\.truststore\\.password\\s+\\(unset\\)\\s+default")), shown);
    }

    @Test
    void showPrintsOneLinePerKeyWithValueAndSource() {
        EffectiveConfig c = EffectiveConfig.load(null, Map.of("LONGHAUL_BOOTSTRAP_SERVERS", "b1:9092,b2:9092"), dir);

        var lines = c.show();

        assertEquals(ConfigKey.values().length, lines.size());
        assertEquals(ConfigKey.BOOTSTRAP_SERVERS.property(), lines.getFirst().split("\\s+")[0]);
        assertTrue(lines.getFirst().matches("bootstrap\\.servers\\s+b1:9092,b2:9092\\s+env LONGHAUL_BOOTSTRAP_SERVERS"), lines.getFirst());
        assertTrue(lines.stream().anyMatch(l -> l.matches("backend\\s+cpu\\s+default")), String.join("\n", lines));
    }

    @Test
    void everyKeyHasTheEnvironmentNameOfItsProperty() {
        for (ConfigKey key : ConfigKey.values()) {
            assertEquals("LONGHAUL_" + key.property().toUpperCase().replace('.', '_'), key.env());
            assertEquals(key, ConfigKey.ofProperty(key.property()).orElseThrow());
        }
    }
}
