/*
 * The facts about a tokenizer folder that the native tokenizer does not expose, read with Jackson:
 * from tokenizer.json the token strings and ids of the model vocabulary (BPE, WordPiece and WordLevel
 * keep an object token -> id, Unigram a list of [token, score] pairs whose index is the id) and of
 * added_tokens, hence the vocabulary size (largest id + 1) and the longest added token; from
 * tokenizer_config.json, when present, the names of the bos and eos tokens (a string, an AddedToken
 * object with "content", or null). Flags such as add_bos_token are deliberately not read: the
 * engine feeds ids exactly as it is given them. spotChecks lists the tokens (every added token that
 * is matched on its own content, the first and last special one, bos, eos) whose ids the loader
 * confirms with the native tokenizer, which numbers added tokens missing from the model vocabulary
 * on its own. decoderType is tokenizer.json's
 * decoder.type ("" when absent) and addedIds the ids of added_tokens (their content is raw text,
 * not spelled in the decoder's alphabet): TextTokenizer.tokenBytes needs both. Every problem is a
 * TokenizerException naming the file.
 */
package dev.longhaul.engine.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

record TokenizerDescription(
        int vocabSize,
        Map<String, Integer> tokenIds,
        BitSet specialIds,
        int longestAddedTokenChars,
        OptionalInt bosTokenId,
        OptionalInt eosTokenId,
        Map<String, Integer> spotChecks,
        String decoderType,
        BitSet addedIds) {

    static TokenizerDescription read(Path tokenizerFile, Path configFile) {
        ObjectMapper json = new ObjectMapper();
        JsonNode root = readJson(json, tokenizerFile);
        if (root == null) {
            throw new TokenizerException(tokenizerFile.toString(), "missing");
        }
        String where = tokenizerFile.toString();
        Map<String, Integer> ids = new HashMap<>();
        BitSet special = new BitSet();
        BitSet addedIds = new BitSet();
        int maxId = -1;
        JsonNode model = root.path("model");
        if (!model.isObject()) {
            throw new TokenizerException(where, "has no \"model\" object");
        }
        JsonNode vocab = model.path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                int id = idOf(e.getValue(), where, "model.vocab[\"" + e.getKey() + "\"]");
                ids.put(e.getKey(), id);
                maxId = Math.max(maxId, id);
            }
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                JsonNode piece = vocab.get(i);
                JsonNode text = piece.isArray() ? piece.path(0) : piece;
                if (!text.isTextual()) {
                    throw new TokenizerException(where, "model.vocab[" + i + "] is not a [token, score] pair");
                }
                ids.putIfAbsent(text.asText(), i);
                maxId = i;
            }
        } else {
            throw new TokenizerException(where, "model.vocab is missing (model type "
                    + model.path("type").asText("?") + ")");
        }
        int longestAdded = 0;
        Map<Integer, String> specialNames = new HashMap<>();
        String firstSpecial = null;
        String lastSpecial = null;
        JsonNode added = root.path("added_tokens");
        if (!added.isMissingNode() && !added.isNull() && !added.isArray()) {
            throw new TokenizerException(where, "added_tokens is not a list");
        }
        for (JsonNode token : added) {
            JsonNode content = token.path("content");
            if (!content.isTextual()) {
                throw new TokenizerException(where, "an added token has no \"content\" string");
            }
            int id = idOf(token.path("id"), where, "added token \"" + content.asText() + "\"");
            ids.put(content.asText(), id);
            addedIds.set(id);
            if (token.path("special").asBoolean(false)) {
                special.set(id);
                specialNames.put(id, content.asText());
                if (firstSpecial == null) {
                    firstSpecial = content.asText();
                }
                if (lastSpecial == null || id > ids.get(lastSpecial)) {
                    lastSpecial = content.asText();
                }
            }
            maxId = Math.max(maxId, id);
            longestAdded = Math.max(longestAdded, content.asText().length());
        }
        if (maxId < 0) {
            throw new TokenizerException(where, "has an empty vocabulary");
        }
        // Every added token the native tokenizer finds in its own content (not normalized first,
        // or no normalizer to change it): the file's id must be the one it gives, or ids, bytes and
        // the vocabulary size taken from the file would disagree with what encode() and decode() do.
        Map<String, Integer> spotChecks = new HashMap<>();
        boolean normalizer = !root.path("normalizer").isMissingNode() && !root.path("normalizer").isNull();
        for (JsonNode token : added) {
            boolean normalized = token.path("normalized").asBoolean(!token.path("special").asBoolean(false));
            if (!normalized || !normalizer) {
                spotChecks.put(token.path("content").asText(), ids.get(token.path("content").asText()));
            }
        }
        for (String name : new String[] {firstSpecial, lastSpecial}) {
            if (name != null) {
                spotChecks.put(name, ids.get(name));
            }
        }
        OptionalInt bos = OptionalInt.empty();
        OptionalInt eos = OptionalInt.empty();
        JsonNode config = readJson(json, configFile);
        if (config != null) {
            bos = namedToken(config, "bos_token", ids, configFile);
            eos = namedToken(config, "eos_token", ids, configFile);
            for (OptionalInt id : new OptionalInt[] {bos, eos}) {
                if (id.isPresent() && special.get(id.getAsInt())) {
                    spotChecks.put(specialNames.get(id.getAsInt()), id.getAsInt());
                }
            }
        }
        return new TokenizerDescription(maxId + 1, Map.copyOf(ids), special, longestAdded, bos, eos,
                Map.copyOf(spotChecks), root.path("decoder").path("type").asText(""), addedIds);
    }

    /** The parsed file, or null when it does not exist. */
    private static JsonNode readJson(ObjectMapper json, Path file) {
        try {
            JsonNode node = json.readTree(Files.readAllBytes(file));
            if (node == null || !node.isObject()) {
                throw new TokenizerException(file.toString(), "is not a JSON object");
            }
            return node;
        } catch (NoSuchFileException e) {
            return null;
        } catch (JacksonException e) {
            throw new TokenizerException(file.toString(), "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TokenizerException(file.toString(), "cannot be read: " + e, e);
        }
    }

    /**
     * Largest token id accepted: the vocabulary is as large as its largest id plus one, and tables
     * are built that long (tokenBytes), so an id near Integer.MAX_VALUE would overflow the size or
     * exhaust the heap. Real vocabularies stay below 300,000.
     */
    static final int MAX_ID = (1 << 24) - 1;

    private static int idOf(JsonNode node, String where, String what) {
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 0) {
            throw new TokenizerException(where, what + " has no valid id: " + node);
        }
        if (node.asInt() > MAX_ID) {
            throw new TokenizerException(where, what + " has id " + node + ", above the largest this engine takes (" + MAX_ID + ")");
        }
        return node.asInt();
    }

    private static OptionalInt namedToken(JsonNode config, String field, Map<String, Integer> ids, Path file) {
        JsonNode value = config.path(field);
        if (value.isObject()) {
            value = value.path("content");
        }
        if (value.isMissingNode() || value.isNull()) {
            return OptionalInt.empty();
        }
        if (!value.isTextual()) {
            throw new TokenizerException(file.toString(), field + " is neither a string nor a token object");
        }
        Integer id = ids.get(value.asText());
        if (id == null) {
            throw new TokenizerException(file.toString(),
                    field + " \"" + value.asText() + "\" is not a token of tokenizer.json");
        }
        return OptionalInt.of(id);
    }
}
