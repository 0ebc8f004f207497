/*
 * Test tokenizers with real BPE merges, written as tokenizer.json in the standard Hugging Face format:
 * the 256 byte tokens of ByteLevelTokenizerFiles (id = byte value), then a few dozen merges ("Ġ t",
 * "h e", "Ġt he", whitespace runs, é, 中, 文, 😀, letter, digit and symbol runs, one pair whose result
 * depends on the right neighbour), then added tokens <|endoftext|> and <eos>. Styles: GPT2 (ByteLevel
 * pre-tokenizer with the GPT-2 regex, trimmed offsets), LLAMA3 (Split with the Llama-3 regex, then
 * ByteLevel without regex) and PREFIX_SPACE (GPT-2 with add_prefix_space, which streaming must refuse).
 */
package dev.longhaul.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class BpeFixture {
    /** RSTRIP and SINGLE_WORD: GPT2 with that flag set on <eos>. */
    enum Style { GPT2, LLAMA3, PREFIX_SPACE, RSTRIP, SINGLE_WORD }

    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Merges written in plain text; the fixture spells each side in the byte alphabet. */
    static final List<String[]> MERGES = List.of(
            m(" ", "t"), m("h", "e"), m(" t", "he"), m("i", "n"), m("a", "n"), m("e", "r"), m("o", "n"),
            m(" ", "a"), m("r", "e"), m("a", "t"), m("e", "n"), m(" ", "s"), m(" ", "c"), m("o", "r"),
            m(" ", "o"), m(" ", "w"), m("i", "s"), m("e", "s"), m("in", "g"), m("n", "d"), m(" a", "nd"),
            m("r", "or"), m("er", "ror"), m(" ", " "), m("  ", "  "), m("    ", "    "), m("\n", "\n"),
            m("\r", "\n"), m("\t", "\t"), m(" ", "\n"), m("é", null), m("中", null), m("文", null),
            m("😀", null), m("a", "a"), m("aa", "aa"), m("aaaa", "aaaa"), m("=", "="), m("==", "=="),
            m("-", "-"), m("--", "--"), m("0", "0"), m("00", "00"), m("1", "2"), m("2", "3"), m("b", "c"),
            m("a", "b"), m(".", "\n"), m(",", "\n"), m(" ", "="), m("t", "he"), m(" ", "the"));

    private BpeFixture() {}

    /** A multi-byte character as a merge chain of its bytes: second == null. */
    private static String[] m(String first, String second) {
        return new String[] {first, second};
    }

    static Path write(Path dir, Style style) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = ByteLevelTokenizerFiles.tokenizerJson(json, ByteLevelTokenizerFiles.BYTE_TOKENS);
        ObjectNode model = (ObjectNode) root.get("model");
        ObjectNode vocab = (ObjectNode) model.get("vocab");
        ArrayNode merges = model.putArray("merges");
        Map<String, Integer> ids = new LinkedHashMap<>();
        vocab.properties().forEach(e -> ids.put(e.getKey(), e.getValue().asInt()));
        for (String[] merge : MERGES) {
            if (merge[1] == null) {
                byte[] bytes = merge[0].getBytes(StandardCharsets.UTF_8);
                String left = ByteLevelTokenizerFiles.byteToken(bytes[0] & 0xFF);
                for (int i = 1; i < bytes.length; i++) {
                    String right = ByteLevelTokenizerFiles.byteToken(bytes[i] & 0xFF);
                    left = addMerge(merges, ids, left, right);
                }
            } else {
                addMerge(merges, ids, spell(merge[0]), spell(merge[1]));
            }
        }
        ids.forEach(vocab::put);
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        int next = ids.size();
        for (String special : new String[] {"<|endoftext|>", "<eos>"}) {
            ObjectNode token = added.addObject();
            token.put("id", next++);
            token.put("content", special);
            token.put("single_word", style == Style.SINGLE_WORD && special.equals("<eos>"));
            token.put("lstrip", false);
            token.put("rstrip", style == Style.RSTRIP && special.equals("<eos>"));
            token.put("normalized", false);
            token.put("special", true);
        }
        ObjectNode pre = (ObjectNode) root.get("pre_tokenizer");
        ((ObjectNode) root.get("post_processor")).put("trim_offsets", style == Style.GPT2);
        if (style == Style.PREFIX_SPACE) {
            pre.put("add_prefix_space", true);
        } else if (style == Style.LLAMA3) {
            ObjectNode sequence = json.createObjectNode();
            sequence.put("type", "Sequence");
            ArrayNode steps = sequence.putArray("pretokenizers");
            ObjectNode split = steps.addObject();
            split.put("type", "Split");
            split.putObject("pattern").put("Regex", LLAMA3_REGEX);
            split.put("behavior", "Isolated");
            split.put("invert", false);
            ObjectNode byteLevel = steps.addObject();
            byteLevel.put("type", "ByteLevel");
            byteLevel.put("add_prefix_space", false);
            byteLevel.put("trim_offsets", true);
            byteLevel.put("use_regex", false);
            root.set("pre_tokenizer", sequence);
        }
        Files.createDirectories(dir);
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(TextTokenizer.TOKENIZER_FILE).toFile(), root);
        Files.writeString(dir.resolve(TextTokenizer.CONFIG_FILE), "{\"bos_token\": null, \"eos_token\": "
                + "{\"__type\": \"AddedToken\", \"content\": \"<|endoftext|>\"}}");
        return dir;
    }

    private static String addMerge(ArrayNode merges, Map<String, Integer> ids, String left, String right) {
        String merged = left + right;
        if (!ids.containsKey(left) || !ids.containsKey(right)) {
            throw new IllegalStateException("merge of tokens not in the vocabulary: " + left + " " + right);
        }
        merges.add(left + " " + right);
        ids.putIfAbsent(merged, ids.size());
        return merged;
    }

    private static String spell(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            sb.append(ByteLevelTokenizerFiles.byteToken(b & 0xFF));
        }
        return sb.toString();
    }
}
