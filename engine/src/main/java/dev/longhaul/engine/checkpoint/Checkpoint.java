/*
 * All tensors of an HF model directory: `model.safetensors`, or shards listed by
 * `model.safetensors.index.json` (its weight_map must agree with the shards' own headers), or,
 * lacking both, every `*.safetensors` file in the folder. Files stay memory-mapped for the life of
 * this object; close it to unmap.
 */
package dev.longhaul.engine.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final Arena arena;
    private final Map<String, TensorInfo> tensors;

    private Checkpoint(Path dir, Arena arena, Map<String, TensorInfo> tensors) {
        this.dir = dir;
        this.arena = arena;
        this.tensors = tensors;
    }

    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir.toString(), "not a model directory");
        }
        Arena arena = Arena.ofShared();
        try {
            return new Checkpoint(dir, arena, readAll(dir, arena));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, TensorInfo> readAll(Path dir, Arena arena) {
        Path index = dir.resolve(INDEX_FILE);
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(index)) {
            return readSharded(dir, index, arena);
        }
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(single)) {
            files.add(single);
        } else {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
                ds.forEach(files::add);
            } catch (IOException e) {
                throw new CheckpointException(dir.toString(), "cannot list: " + e.getMessage(), e);
            }
            files.sort(null);
        }
        if (files.isEmpty()) {
            throw new CheckpointException(dir.toString(), "no " + SINGLE_FILE + ", " + INDEX_FILE + " or *.safetensors file");
        }
        Map<String, TensorInfo> all = new TreeMap<>();
        for (Path f : files) {
            for (TensorInfo t : SafeTensorsFile.open(f, arena).tensors().values()) {
                TensorInfo previous = all.put(t.name(), t);
                if (previous != null) {
                    throw new CheckpointException(f.toString(), "tensor '" + t.name() + "' also appears in " + previous.file());
                }
            }
        }
        return all;
    }

    private static Map<String, TensorInfo> readSharded(Path dir, Path index, Arena arena) {
        JsonNode weightMap;
        try {
            JsonNode root = new ObjectMapper().readTree(index.toFile());
            weightMap = root == null ? null : root.get("weight_map");
        } catch (IOException e) {
            throw new CheckpointException(index.toString(), "not valid JSON: " + e.getMessage(), e);
        }
        if (weightMap == null || !weightMap.isObject()) {
            throw new CheckpointException(index.toString(), "has no weight_map object");
        }
        Map<String, String> wanted = new HashMap<>();
        Set<String> shardNames = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            if (!e.getValue().isTextual() || e.getValue().asText().isEmpty()) {
                throw new CheckpointException(index.toString(), "weight_map maps tensor '" + e.getKey()
                        + "' to " + e.getValue() + ", not a shard file name");
            }
            wanted.put(e.getKey(), e.getValue().asText());
            shardNames.add(e.getValue().asText());
        }
        for (String shard : shardNames) {
            // a plain file name of this folder, judged by the name itself (a folder given as "."
            // normalizes to the empty path, which no resolved name starts with)
            if (shard.contains("/") || shard.contains("\\") || shard.equals(".") || shard.equals("..")) {
                throw new CheckpointException(index.toString(), "shard name '" + shard + "' leaves the model directory");
            }
            try {
                Path.of(shard); // a name the file system cannot hold (a NUL)
            } catch (InvalidPathException e) {
                throw new CheckpointException(index.toString(), "shard name '" + shard.replace("\0", "\\0")
                        + "' is not a valid file name: " + e.getReason());
            }
        }
        Map<String, TensorInfo> all = new TreeMap<>();
        for (String shard : shardNames) {
            Path shardPath = dir.resolve(shard).normalize();
            SafeTensorsFile f = SafeTensorsFile.open(shardPath, arena);
            for (TensorInfo t : f.tensors().values()) {
                String declared = wanted.get(t.name());
                if (declared == null) {
                    throw new CheckpointException(shardPath.toString(), "tensor '" + t.name() + "' is not in " + INDEX_FILE);
                }
                if (!declared.equals(shard)) {
                    throw new CheckpointException(shardPath.toString(), "tensor '" + t.name() + "' is mapped to " + declared
                            + " by " + INDEX_FILE);
                }
                all.put(t.name(), t);
            }
        }
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            if (!all.containsKey(e.getKey())) {
                throw new CheckpointException(dir.resolve(e.getValue()).toString(),
                        "tensor '" + e.getKey() + "' is listed in " + INDEX_FILE + " but absent from the shard");
            }
        }
        return all;
    }

    public Path dir() {
        return dir;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor, or an error naming the directory and the missing tensor. */
    public TensorInfo require(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(dir.toString(), "missing tensor '" + name + "'");
        }
        return t;
    }

    @Override
    public void close() {
        arena.close();
    }
}
