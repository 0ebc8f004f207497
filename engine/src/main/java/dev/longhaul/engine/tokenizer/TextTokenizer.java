/*
 * The tokenizer of a model folder: tokenizer.json run by the Hugging Face `tokenizers` library
 * through DJL's native binding, strictly offline. load() reads <dir>/tokenizer.json (and, when
 * present, <dir>/tokenizer_config.json for the bos/eos names; flags such as add_bos_token are not
 * applied) and fails with a TokenizerException naming the file when either is missing or unusable.
 * encode() never adds special tokens, truncates or pads: the engine feeds exactly the ids it gets, and
 * the empty string encodes to no ids; an unpaired surrogate char encodes as U+FFFD (the native binding
 * would otherwise garble every emoji of that text). encodeWithSpans() adds each token's char span.
 * decode() keeps special tokens, decodeSkippingSpecial() drops them; both reject negative ids and
 * leave out ids past vocabSize() (a padded embedding's rows), as Hugging Face does. tokenBytes() gives each token's bytes, for constrained decoding. Offline: every DJL factory call first runs a telemetry "call home" (EC2 metadata
 * and an S3 URL) unless DJL is in offline mode, so load() sets DJL's switches `ai.djl.offline` and
 * `OPT_OUT_TRACKING` to true (JVM-wide) before touching DJL, and refuses to go on if the environment
 * variable DJL_OFFLINE overrides them. The native library is unpacked from the DJL jar into DJL's
 * cache folder (~/.djl.ai unless DJL_CACHE_DIR is set); nothing is downloaded. Encoding calls DJL's
 * JNI layer (TokenizersLibrary) directly for ids and spans only, skipping DJL's per-token Java objects
 * (about half the time on long texts); the ids are the ones DJL's encode() gives. Instances are safe
 * for concurrent use; close() frees the native tokenizer.
 */
package dev.longhaul.engine.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import ai.djl.util.Utils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

public final class TextTokenizer implements AutoCloseable {
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String CONFIG_FILE = "tokenizer_config.json";

    private static final int[] NO_IDS = new int[0];

    private final Path file;
    private final HuggingFaceTokenizer hf;
    private final TokenizerDescription description;
    /** Memo of CutPoints.probe: null until computed, then the problem found or "". */
    private volatile String streamingProblem;

    private TextTokenizer(Path file, HuggingFaceTokenizer tokenizer, TokenizerDescription description) {
        this.file = file;
        this.hf = tokenizer;
        this.description = description;
    }

    public static TextTokenizer load(Path modelDir) {
        Path file = modelDir.resolve(TOKENIZER_FILE);
        TokenizerDescription description = TokenizerDescription.read(file, modelDir.resolve(CONFIG_FILE));
        forceDjlOffline(file);
        HuggingFaceTokenizer tokenizer;
        try {
            // A file path (not the folder) makes DJL ignore tokenizer_config.json, so nothing of it
            // (lower-casing, prefix spaces, clean-up of decoded spaces) alters the ids.
            tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(file.toString(), "rejected by the native tokenizer: " + e.getMessage(), e);
        }
        TextTokenizer loaded = new TextTokenizer(file, tokenizer, description);
        description.spotChecks().forEach((token, id) -> {
            int[] got = loaded.encode(token);
            if (got.length != 1 || got[0] != id) {
                loaded.close();
                throw new TokenizerException(file.toString(), "token \"" + token + "\" has id " + id
                        + " in the file but the tokenizer gives " + Arrays.toString(got) + " (added tokens"
                        + " that are not in the model vocabulary are numbered after it)");
            }
        });
        return loaded;
    }

    /** The ids of text, exactly as tokenizer.json defines them; no special tokens are added. */
    public int[] encode(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            return NO_IDS;
        }
        long encoding = TokenizersLibrary.LIB.encode(hf.getHandle(), withoutLoneSurrogates(text), false);
        try {
            return toInts(TokenizersLibrary.LIB.getTokenIds(encoding));
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
    }

    /** encode(text) with the text span of every token (see TokenSpans). */
    public TokenSpans encodeWithSpans(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            return new TokenSpans(NO_IDS, NO_IDS, NO_IDS);
        }
        String clean = withoutLoneSurrogates(text);
        int[] ids;
        CharSpan[] spans;
        long encoding = TokenizersLibrary.LIB.encode(hf.getHandle(), clean, false);
        try {
            ids = toInts(TokenizersLibrary.LIB.getTokenIds(encoding));
            spans = TokenizersLibrary.LIB.getTokenCharSpans(encoding);
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        int[] charIndex = codePointToCharIndex(clean);
        for (int i = 0; i < ids.length; i++) {
            starts[i] = charIndex == null ? spans[i].getStart() : charIndex[spans[i].getStart()];
            ends[i] = charIndex == null ? spans[i].getEnd() : charIndex[spans[i].getEnd()];
        }
        return new TokenSpans(ids, starts, ends);
    }

    /** The text of ids, special tokens included (as their content, e.g. "<eos>"). */
    public String decode(int[] ids) {
        return hf.decode(toLongs(ids), false);
    }

    /** The text of ids with the special tokens left out. */
    public String decodeSkippingSpecial(int[] ids) {
        return hf.decode(toLongs(ids), true);
    }

    /** Largest id of the model vocabulary and the added tokens, plus one. */
    public int vocabSize() {
        return description.vocabSize();
    }

    public OptionalInt bosTokenId() {
        return description.bosTokenId();
    }

    public OptionalInt eosTokenId() {
        return description.eosTokenId();
    }

    /** The id of a token given as spelled in tokenizer.json (an added token or a model-vocab entry). */
    public OptionalInt tokenId(String token) {
        Integer id = description.tokenIds().get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * The bytes each id stands for inside decoded text, indexed by id (length vocabSize()); null for
     * special tokens and for ids no token has. With a ByteLevel decoder each char of a vocabulary
     * token maps back through GPT-2's byte alphabet (so a token holding half of a UTF-8 character
     * gives exactly those bytes, which decode() of that id alone cannot show); otherwise, in the
     * SentencePiece convention, "<0xHH>" is that byte and '\u2581' a space. Added tokens are the
     * UTF-8 of their content. Built on each call: callers keep the result.
     */
    public byte[][] tokenBytes() {
        byte[][] bytes = new byte[vocabSize()][];
        boolean byteLevel = description.decoderType().equals("ByteLevel");
        Map<Character, Integer> alphabet = new HashMap<>();
        String[] spelled = ByteLevelTokenizerFiles.byteAlphabet();
        for (int b = 0; b < spelled.length; b++) {
            alphabet.put(spelled[b].charAt(0), b);
        }
        description.tokenIds().forEach((token, id) -> {
            if (isSpecial(id)) {
                return;
            }
            if (description.addedIds().get(id)) {
                bytes[id] = token.getBytes(StandardCharsets.UTF_8);
            } else if (byteLevel) {
                bytes[id] = byteLevelBytes(token, alphabet);
            } else if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")
                    && HexFormat.isHexDigit(token.charAt(3)) && HexFormat.isHexDigit(token.charAt(4))) {
                bytes[id] = new byte[] {(byte) Integer.parseInt(token.substring(3, 5), 16)};
            } else {
                bytes[id] = token.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            }
        });
        return bytes;
    }

    /** A ByteLevel token's bytes; chars outside the alphabet (none in a well-formed file) as UTF-8. */
    private static byte[] byteLevelBytes(String token, Map<Character, Integer> alphabet) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); i++) {
            Integer b = alphabet.get(token.charAt(i));
            if (b != null) {
                out.write(b);
            } else {
                out.writeBytes(String.valueOf(token.charAt(i)).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    /** Whether id is an added token marked "special" in tokenizer.json. */
    public boolean isSpecial(int id) {
        return id >= 0 && description.specialIds().get(id);
    }

    @Override
    public void close() {
        hf.close();
    }

    @Override
    public String toString() {
        return "TextTokenizer[" + file + ", vocab " + vocabSize() + "]";
    }

    Path file() {
        return file;
    }

    int longestAddedTokenChars() {
        return description.longestAddedTokenChars();
    }

    /** Why streaming cannot reproduce encode() with this tokenizer, if it cannot (memoized probe). */
    Optional<String> streamingProblem() {
        String problem = streamingProblem;
        if (problem == null) {
            problem = CutPoints.probe(this).orElse("");
            streamingProblem = problem;
        }
        return problem.isEmpty() ? Optional.empty() : Optional.of(problem);
    }

    private static void forceDjlOffline(Path file) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        if (!Utils.isOfflineMode()) {
            throw new TokenizerException(file.toString(), "not loaded: the environment sets DJL_OFFLINE to a"
                    + " value other than true, which would let DJL contact the network");
        }
    }

    /** text with each unpaired surrogate replaced by U+FFFD (same length, same indices). */
    static String withoutLoneSurrogates(String text) {
        char[] chars = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            if (chars == null) {
                chars = text.toCharArray();
            }
            chars[i] = '\uFFFD';
        }
        return chars == null ? text : new String(chars);
    }

    /** Map from code-point index to UTF-16 index (length codePoints + 1), or null if they agree. */
    private static int[] codePointToCharIndex(String text) {
        int codePoints = text.codePointCount(0, text.length());
        if (codePoints == text.length()) {
            return null;
        }
        int[] index = new int[codePoints + 1];
        int c = 0;
        for (int cp = 0; cp < codePoints; cp++) {
            index[cp] = c;
            c += Character.charCount(text.codePointAt(c));
        }
        index[codePoints] = c;
        return index;
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * The ids for the native decoder. An id past the tokenizer's vocabulary is left out, as the
     * Hugging Face decoder leaves it out (it decodes to nothing): a checkpoint whose embedding is
     * padded past its tokenizer (vocab_size rounded up, common in real ones) can sample such an id,
     * and the text it is part of must not fail on it. A negative id is no id at all.
     */
    private long[] toLongs(int[] ids) {
        long[] out = new long[ids.length];
        int vocab = vocabSize();
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " is negative");
            }
            if (ids[i] < vocab) {
                out[n++] = ids[i];
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }
}
