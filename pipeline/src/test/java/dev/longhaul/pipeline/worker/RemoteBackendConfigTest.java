/*
 * The remote backend is named in WorkerConfig.backend as remote:<base URL>: the URL is read (a
 * trailing slash dropped) and checked when the config is built, a local backend has none, and a
 * remote engine whose server does not answer refuses to start instead of falling back.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

import dev.longhaul.engine.SharedData;
import org.junit.jupiter.api.Test;

class RemoteBackendConfigTest {
    private static WorkerConfig config(String backend) {
        return WorkerConfig.defaults("w", "localhost:9092", Path.of("model")).withEngine(backend, 1);
    }

    @Test
    void aRemoteBackendCarriesTheServersBaseUrl() {
        assertEquals(Optional.of(URI.create("http://gpu-box:8000/v1")), config("remote:http://gpu-box:8000/v1/").remoteUrl());
        assertEquals(Optional.empty(), config("cpu").remoteUrl());
    }

    @Test
    void aMalformedRemoteBackendIsRefusedWhenConfigured() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config("remote:ftp://gpu-box/v1"));
        assertTrue(e.getMessage().contains("remote:http://host:port/v1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> config("remote:not a url"));
    }

    @Test
    void anEngineWhoseServerDoesNotAnswerFailsToOpen() {
        WorkerConfig c = WorkerConfig.defaults("w", "localhost:9092", SharedData.minimaxTiny()).withEngine("remote:http://127.0.0.1:9/v1", 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> OrderEngine.open(c));
        assertTrue(e.getMessage().contains("http://127.0.0.1:9/v1"), e.getMessage());
    }
}
