/*
 * Broken checkpoints fail to load with a CheckpointException whose message names the file and, where
 * there is one, the tensor: never an IndexOutOfBounds, NullPointer or Arithmetic exception. Each
 * case copies the golden minimax-tiny folder (or synthesizes a sharded xs model) into a temp dir,
 * breaks one thing and loads it the way users do, through MiniMaxModel.load.
 */
package dev.longhaul.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.MiniMaxModel.RopeMode;
import dev.longhaul.engine.synth.ModelSynth;
import dev.longhaul.engine.synth.SynthSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointErrorsTest {
    private static final String QKV = "model.layers.0.self_attn.qkv_proj.weight";
    private static final String IN_NORM = "model.layers.0.input_layernorm.weight";
    private static final String POST_NORM = "model.layers.0.post_attention_layernorm.weight";

    @TempDir
    Path dir;
    Path weights;

    static Path golden(String name) {
        return SharedData.golden(name);
    }

    @BeforeEach
    void copyGoldenModel() throws IOException {
        try (Stream<Path> files = Files.list(golden("minimax-tiny"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        weights = dir.resolve(Checkpoint.SINGLE_FILE);
    }

    /** Loads `model` as users do and returns the CheckpointException it must throw. */
    static CheckpointException loadFails(Path model) {
        try (ScalarBackend backend = new ScalarBackend()) {
            return assertThrows(CheckpointException.class, () -> MiniMaxModel.load(model, backend, RopeMode.PARTIAL).close());
        }
    }

    static void assertMentions(CheckpointException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void fileCutInsideTheHeaderNamesTheFile() throws IOException {
        // given a weights file cut halfway through its JSON header
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(all, 8 + (int) SafeTensorsImage.headerLength(all) / 2));

        // then loading names the file and the header length that does not fit
        assertMentions(loadFails(dir), weights.toString(), "header length");
    }

    @Test
    void fileShorterThanTheLengthFieldNamesTheFile() throws IOException {
        // given a weights file of 5 bytes
        Files.write(weights, new byte[] {1, 2, 3, 4, 5});

        // then loading names the file and says it is truncated
        assertMentions(loadFails(dir), weights.toString(), "truncated");
    }

    @Test
    void fileCutInsideTheDataNamesTheFileAndATensor() throws IOException {
        // given a weights file cut halfway through its data section
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(all, all.length / 2));

        // then loading names the file, the first tensor that does not fit, and truncation
        assertMentions(loadFails(dir), weights.toString(), "tensor '", "truncated");
    }

    @Test
    void headerLengthLargerThanTheFileNamesTheFile() throws IOException {
        // given a header length field one byte past the end of the file
        byte[] all = Files.readAllBytes(weights);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, all.length - 7);
        Files.write(weights, all);

        // then loading names the file and the impossible header length
        assertMentions(loadFails(dir), weights.toString(), "header length " + (all.length - 7));
    }

    @Test
    void headerThatIsNotJsonNamesTheFile() throws IOException {
        // given a header whose bytes are not JSON (length unchanged)
        byte[] all = Files.readAllBytes(weights);
        byte[] junk = "{\"lm_head.weight\": {dtype: F32".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(junk, 0, all, 8, junk.length);
        Files.write(weights, all);

        // then loading names the file and says the header is not JSON
        assertMentions(loadFails(dir), weights.toString(), "not valid JSON");
    }

    @Test
    void bytesNoTensorAccountsForOrTextAfterTheHeaderAreRefused() throws IOException {
        SafeTensorsImage img = SafeTensorsImage.read(weights);
        // given data past the last tensor
        img.withExtraData(8).write(weights);
        assertMentions(loadFails(dir), weights.toString(), "account for");

        // given a header length 8 bytes too long: the JSON ends, then 8 bytes of data follow it
        byte[] h = new ObjectMapper().writeValueAsString(img.header()).getBytes(StandardCharsets.UTF_8);
        ByteBuffer shifted = ByteBuffer.allocate(8 + h.length + img.data().length + 8).order(ByteOrder.LITTLE_ENDIAN);
        shifted.putLong(h.length + 8).put(h).put("GARBAGE!".getBytes(StandardCharsets.US_ASCII)).put(img.data());
        Files.write(weights, shifted.array());
        assertMentions(loadFails(dir), weights.toString(), "not valid JSON");

        // given a gap: 4 bytes before the first tensor, every tensor's offsets moved on by 4
        ObjectNode header = img.header().deepCopy();
        String first = null;
        for (var e : header.properties()) {
            if (!e.getKey().equals("__metadata__")) {
                long begin = e.getValue().get("data_offsets").get(0).asLong();
                long end = e.getValue().get("data_offsets").get(1).asLong();
                ((ObjectNode) e.getValue()).putArray("data_offsets").add(begin + 4).add(end + 4);
                first = begin == 0 ? e.getKey() : first;
            }
        }
        byte[] data = new byte[img.data().length + 4];
        System.arraycopy(img.data(), 0, data, 4, img.data().length);
        new SafeTensorsImage(header, data).write(weights);
        assertMentions(loadFails(dir), weights.toString(), first, "starts at byte 4");
    }

    @Test
    void anEmptyTensorListedAfterTheOneItSharesItsStartWithIsAccepted() throws IOException {
        // given a zero-length tensor at the start of input_layernorm's bytes, listed after it
        SafeTensorsImage img = SafeTensorsImage.read(weights);
        long at = img.begin(IN_NORM);
        ObjectNode empty = img.header().putObject("zz.empty");
        empty.put("dtype", "F32");
        empty.putArray("shape").add(0);
        empty.putArray("data_offsets").add(at).add(at);
        img.write(weights);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            SafeTensorsFile file = SafeTensorsFile.open(weights, arena);
            assertTrue(file.tensors().containsKey("zz.empty") && file.tensors().containsKey(IN_NORM), file.tensors().keySet().toString());
        }
    }

    @Test
    void overlappingDataOffsetsNameBothTensors() throws IOException {
        // given post_attention_layernorm pointing at the bytes of input_layernorm (same size)
        SafeTensorsImage img = SafeTensorsImage.read(weights);
        img.offsets(POST_NORM, img.begin(IN_NORM), img.end(IN_NORM));
        img.write(weights);

        // then loading names the file and both tensors
        assertMentions(loadFails(dir), weights.toString(), IN_NORM, POST_NORM, "overlap");
    }

    @Test
    void offsetsThatDoNotMatchDtypeTimesShapeNameTheTensor() throws IOException {
        // given the qkv projection's range four bytes short of 192 x 64 F32
        SafeTensorsImage img = SafeTensorsImage.read(weights);
        img.offsets(QKV, img.begin(QKV), img.end(QKV) - 4);
        img.write(weights);

        // then loading names the file, the tensor and the byte count it needs
        assertMentions(loadFails(dir), weights.toString(), QKV, "needs " + 192 * 64 * 4);
    }

    @Test
    void unknownDtypesNameTheTensorAndTheDtype() throws IOException {
        for (String dtype : new String[] {"I8", "F64"}) {
            // given the qkv projection declared as `dtype`
            copyGoldenWeights();
            SafeTensorsImage img = SafeTensorsImage.read(weights);
            img.tensor(QKV).put("dtype", dtype);
            img.write(weights);

            // then loading names the file, the tensor and the dtype
            assertMentions(loadFails(dir), weights.toString(), QKV, "dtype " + dtype);
        }
    }

    @Test
    void shapeTooLargeToAddressNamesTheTensor() throws IOException {
        // given a shape whose element count overflows a long
        SafeTensorsImage img = SafeTensorsImage.read(weights);
        img.tensor(QKV).putArray("shape").add(1L << 40).add(1L << 40);
        img.write(weights);

        // then loading names the tensor (not an ArithmeticException)
        assertMentions(loadFails(dir), weights.toString(), QKV, "too large");
    }

    @Test
    void nonIntegerOrMissingFieldsNameTheTensor() throws IOException {
        // given a fractional dimension, then a tensor without dtype
        SafeTensorsImage img = SafeTensorsImage.read(weights);
        img.tensor(QKV).putArray("shape").add(192.5).add(64);
        img.write(weights);
        assertMentions(loadFails(dir), weights.toString(), QKV, "non-integer");

        copyGoldenWeights();
        img = SafeTensorsImage.read(weights);
        img.tensor(QKV).remove("dtype");
        img.write(weights);
        assertMentions(loadFails(dir), weights.toString(), QKV, "lacks dtype");
    }

    @Test
    void offsetsThatAreNotIntegersOfALongOrANameGivenTwiceAreRefused() throws IOException {
        // offsets as strings, fractions or past 2^63 were coerced (2^64 read as 0): the wrong bytes, silently
        for (java.util.function.Consumer<com.fasterxml.jackson.databind.node.ArrayNode> bad : List.<java.util.function.Consumer<com.fasterxml.jackson.databind.node.ArrayNode>>of(
                a -> a.set(0, a.textNode(a.get(0).asText())),
                a -> a.set(1, a.numberNode(a.get(1).asDouble() + 0.5)),
                a -> a.set(0, a.numberNode(new java.math.BigInteger("18446744073709551616"))))) {
            copyGoldenWeights();
            SafeTensorsImage img = SafeTensorsImage.read(weights);
            bad.accept((com.fasterxml.jackson.databind.node.ArrayNode) img.tensor(QKV).get("data_offsets"));
            img.write(weights);
            assertMentions(loadFails(dir), weights.toString(), QKV, "invalid data_offsets");
        }
        // a tensor named twice in one header: the last one would silently win
        copyGoldenWeights();
        byte[] file = Files.readAllBytes(weights);
        long headerLength = java.nio.ByteBuffer.wrap(file, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(file, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8);
        int at = header.indexOf("\"" + QKV + "\"");
        int end = header.indexOf('}', at) + 1;
        String twice = header.substring(0, end) + "," + header.substring(at, end) + header.substring(end);
        byte[] newHeader = twice.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(newHeader.length).array());
        out.write(newHeader);
        out.write(file, 8 + (int) headerLength, file.length - 8 - (int) headerLength);
        Files.write(weights, out.toByteArray());
        assertMentions(loadFails(dir), weights.toString(), "Duplicate field", QKV);
    }

    @Test
    void aTiedModelsStoredHeadOfAnotherShapeIsRefused() throws IOException {
        // given the tiny model tied, with an lm_head.weight that is not a copy of the embedding's shape
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.put("tie_word_embeddings", true);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        SafeTensorsImage img = SafeTensorsImage.read(weights);
        long rows = img.tensor("lm_head.weight").get("shape").get(0).asLong();
        long cols = img.tensor("lm_head.weight").get("shape").get(1).asLong();
        img.tensor("lm_head.weight").putArray("shape").add(cols).add(rows);
        img.write(weights);
        assertMentions(loadFails(dir), "lm_head.weight", "expected");
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        // given the file without layer 1's out_proj
        String name = "model.layers.1.self_attn.out_proj.weight";
        SafeTensorsImage.read(weights).without(name).write(weights);

        // then loading names the directory and the missing tensor
        assertMentions(loadFails(dir), dir.toString(), "missing tensor '" + name + "'");
    }

    @Test
    void misShapedTensorNamesTensorAndBothShapes() throws IOException {
        // given qkv_proj declared [64, 192] instead of [192, 64] (same byte count)
        SafeTensorsImage img = SafeTensorsImage.read(weights);
        img.tensor(QKV).putArray("shape").add(64).add(192);
        img.write(weights);

        // then loading names the file, the tensor, its shape and the expected one
        assertMentions(loadFails(dir), weights.toString(), QKV, "[64, 192]", "expected [192, 64]");
    }

    @Test
    void unexpectedExtraTensorIsNamedButDerivedBuffersAreIgnored() throws IOException {
        // given an extra q_norm tensor appended to the data (the golden file also holds ignored buffers)
        String extra = "model.layers.0.self_attn.q_norm.weight";
        SafeTensorsImage img = SafeTensorsImage.read(weights).withExtraData(64 * 4);
        ObjectNode t = img.header().putObject(extra);
        t.put("dtype", "F32");
        t.putArray("shape").add(64);
        t.putArray("data_offsets").add(img.data().length - 256).add(img.data().length);
        img.write(weights);

        // then loading names the directory and the unexpected tensor, and only it
        CheckpointException e = loadFails(dir);
        assertMentions(e, dir.toString(), "unexpected tensors", extra);
        assertTrue(!e.getMessage().contains("slope_rate"), e.getMessage());
    }

    @Test
    void shardedIndexListingATensorAbsentFromItsShardNamesBoth() throws IOException {
        // given a 3-shard synth whose index also maps a ghost tensor to shard 2
        Path model = shardedModel();
        String ghost = "model.layers.0.self_attn.ghost.weight";
        editIndex(model, map -> map.put(ghost, "model-00002-of-00003.safetensors"));

        // then loading names the shard file and the ghost tensor
        assertMentions(loadFails(model), "model-00002-of-00003.safetensors", ghost, "absent from the shard");
    }

    @Test
    void shardedIndexMappingATensorToTheWrongShardNamesIt() throws IOException {
        // given an index that moves lm_head (in the last shard) to shard 1
        Path model = shardedModel();
        editIndex(model, map -> map.put("lm_head.weight", "model-00001-of-00003.safetensors"));

        // then loading names the tensor and the shard the index claims
        assertMentions(loadFails(model), "lm_head.weight", "model-00001-of-00003.safetensors");
    }

    @Test
    void shardNameLeavingTheModelDirectoryIsRefused() throws IOException {
        // given an index naming the first shard by a path that climbs out of the folder and back
        Path model = shardedModel();
        String evil = "../sharded/model-00001-of-00003.safetensors";
        editIndex(model, map -> map.properties().forEach(e -> {
            if (e.getValue().asText().equals("model-00001-of-00003.safetensors")) {
                e.setValue(map.textNode(evil));
            }
        }));

        // then loading names the index file and the shard name
        assertMentions(loadFails(model), Checkpoint.INDEX_FILE, evil, "leaves the model directory");
    }

    @Test
    void anIndexEntryThatIsNotAFileNameNamesTheIndexAndTheTensor() throws IOException {
        Path model = shardedModel();
        editIndex(model, map -> map.putNull("lm_head.weight"));
        assertMentions(loadFails(model), Checkpoint.INDEX_FILE, "lm_head.weight", "not a shard file name");
        editIndex(model, map -> map.putObject("lm_head.weight"));
        assertMentions(loadFails(model), Checkpoint.INDEX_FILE, "lm_head.weight", "not a shard file name");
        // a name the file system cannot hold is the index's error, not an InvalidPathException
        editIndex(model, map -> map.put("lm_head.weight", "model\u0000.safetensors"));
        assertMentions(loadFails(model), Checkpoint.INDEX_FILE, "not a valid file name");
        editIndex(model, map -> map.put("lm_head.weight", ".."));
        assertMentions(loadFails(model), Checkpoint.INDEX_FILE, "'..' leaves the model directory");
    }

    @Test
    void indexThatIsNotJsonOrLacksWeightMapNamesTheIndex() throws IOException {
        Path model = shardedModel();
        Path index = model.resolve(Checkpoint.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\": ");
        assertMentions(loadFails(model), index.toString(), "not valid JSON");
        Files.writeString(index, "{\"metadata\": {}}");
        assertMentions(loadFails(model), index.toString(), "weight_map");
    }

    @Test
    void folderWithoutWeightsOrConfigNamesWhatIsMissing() throws IOException {
        // given the folder without its weights, then without its config
        Files.delete(weights);
        assertMentions(loadFails(dir), dir.toString(), Checkpoint.SINGLE_FILE);
        Files.delete(dir.resolve("config.json"));
        assertMentions(loadFails(dir), dir.resolve("config.json").toString(), "missing");
        assertMentions(loadFails(dir.resolve("nope")), "nope");
    }

    private void copyGoldenWeights() throws IOException {
        Files.copy(golden("minimax-tiny").resolve(Checkpoint.SINGLE_FILE), weights,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private Path shardedModel() {
        Path model = dir.resolve("sharded");
        ModelSynth.write(model, SynthSpec.of("xs", 11, DType.F32).withShards(3));
        return model;
    }

    private static void editIndex(Path model, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path index = model.resolve(Checkpoint.INDEX_FILE);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(index.toFile());
        edit.accept((ObjectNode) root.get("weight_map"));
        json.writeValue(index.toFile(), root);
    }
}
