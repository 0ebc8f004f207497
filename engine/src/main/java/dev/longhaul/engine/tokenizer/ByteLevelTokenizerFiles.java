/*
 * Writes the tokenizer files of a synthesized model: tokenizer.json and tokenizer_config.json in the
 * shape of the golden minimax-tiny folder. The tokenizer is byte-level BPE without merges: ids 0-255
 * are the 256 byte tokens (id = byte value, spelled in GPT-2's byte-to-unicode alphabet), ids 256-259
 * the special tokens <bos>, <eos>, <pad>, <unk>, and every further id up to vocabSize - 1 a token
 * <reserved_N>, so that every id a model can produce decodes (to "<reserved_N>"). Up to
 * MAX_SPECIAL_VOCAB_SIZE ids the reserved tokens are special added tokens, as in the golden folder;
 * above it they are plain entries of the model vocabulary, where the four named specials then also
 * appear (reserved ids decode the same, but are not special and not recognized in input text), because the tokenizers library inside DJL 0.38 loads added
 * tokens in worse than quadratic time (32000 special ids: 5-9 s, 64000: over a minute). Plain text
 * therefore encodes to its UTF-8 bytes. tokenizer_config.json names bos/eos/pad/unk and asks for no
 * automatic BOS/EOS. The JSON is written with Jackson in the layout of Python's json.dump(indent=1,
 * ensure_ascii=False), so a 512-token vocabulary reproduces the golden files byte for byte.
 */
package dev.longhaul.engine.tokenizer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class ByteLevelTokenizerFiles {
    public static final int BYTE_TOKENS = 256;
    public static final int BOS_ID = 256;
    public static final int EOS_ID = 257;
    public static final int PAD_ID = 258;
    public static final int UNK_ID = 259;
    public static final int MIN_VOCAB_SIZE = 260;
    /** Largest vocabulary whose reserved tokens are written as special added tokens. */
    public static final int MAX_SPECIAL_VOCAB_SIZE = 4096;
    /** model_max_length written to tokenizer_config.json, as in the golden folder. */
    public static final int MODEL_MAX_LENGTH = 4096;

    private static final String[] NAMED = {"<bos>", "<eos>", "<pad>", "<unk>"};
    private static final String[] BYTE_TOKEN = byteAlphabet();

    private ByteLevelTokenizerFiles() {}

    /** Writes dir/tokenizer.json and dir/tokenizer_config.json (creating dir), replacing old ones. */
    public static void write(Path dir, int vocabSize) {
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " < " + MIN_VOCAB_SIZE
                    + " (256 byte tokens + <bos>, <eos>, <pad>, <unk>)");
        }
        ObjectMapper json = new ObjectMapper();
        try {
            Files.createDirectories(dir);
            write(json, dir.resolve(TextTokenizer.TOKENIZER_FILE), tokenizerJson(json, vocabSize));
            write(json, dir.resolve(TextTokenizer.CONFIG_FILE), configJson(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer files to " + dir, e);
        }
    }

    /** The token of id 256 or above: <bos>, <eos>, <pad>, <unk> or <reserved_id>. */
    public static String specialTokenName(int id) {
        if (id < BYTE_TOKENS) {
            throw new IllegalArgumentException("id " + id + " is a byte token");
        }
        return id < MIN_VOCAB_SIZE ? NAMED[id - BYTE_TOKENS] : "<reserved_" + id + ">";
    }

    /** The vocabulary spelling of byte b in GPT-2's byte-to-unicode alphabet (e.g. ' ' is "Ġ"). */
    public static String byteToken(int b) {
        return BYTE_TOKEN[b];
    }

    static ObjectNode tokenizerJson(ObjectMapper json, int vocabSize) {
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        int addedEnd = vocabSize <= MAX_SPECIAL_VOCAB_SIZE ? vocabSize : Math.min(vocabSize, MIN_VOCAB_SIZE);
        for (int id = BYTE_TOKENS; id < addedEnd; id++) {
            ObjectNode token = added.addObject();
            token.put("id", id);
            token.put("content", specialTokenName(id));
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(json, true));
        root.set("post_processor", byteLevel(json, false));
        root.set("decoder", byteLevel(json, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < BYTE_TOKENS; b++) {
            vocab.put(BYTE_TOKEN[b], b);
        }
        if (addedEnd < vocabSize) {
            // The tokenizers library numbers added tokens that are not in the model vocabulary after
            // it, so with reserved ids in the vocabulary the named specials must be there too.
            for (int id = BYTE_TOKENS; id < vocabSize; id++) {
                vocab.put(specialTokenName(id), id);
            }
        }
        model.putArray("merges");
        return root;
    }

    private static ObjectNode configJson(ObjectMapper json) {
        ObjectNode config = json.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("bos_token", NAMED[0]);
        config.put("eos_token", NAMED[1]);
        config.put("pad_token", NAMED[2]);
        config.put("unk_token", NAMED[3]);
        config.put("add_bos_token", false);
        config.put("add_eos_token", false);
        config.put("clean_up_tokenization_spaces", false);
        config.put("model_max_length", MODEL_MAX_LENGTH);
        return config;
    }

    private static ObjectNode byteLevel(ObjectMapper json, boolean trimOffsets) {
        ObjectNode node = json.createObjectNode();
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", false);
        node.put("trim_offsets", trimOffsets);
        node.put("use_regex", true);
        return node;
    }

    private static void write(ObjectMapper json, Path file, ObjectNode content) throws IOException {
        DefaultIndenter indenter = new DefaultIndenter(" ", "\n");
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(separators)
                .withObjectIndenter(indenter)
                .withArrayIndenter(indenter);
        ObjectWriter writer = json.writer(printer).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        try (OutputStream os = Files.newOutputStream(file)) {
            writer.writeValue(os, content);
            os.write('\n');
        }
    }

    /** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the rest map to 256+n. */
    /** GPT-2's byte-to-unicode alphabet: the one-char spelling of each byte value, by byte. */
    static String[] byteAlphabet() {
        String[] alphabet = new String[BYTE_TOKENS];
        int next = 256;
        for (int b = 0; b < BYTE_TOKENS; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            alphabet[b] = String.valueOf((char) (printable ? b : next++));
        }
        return alphabet;
    }
}
