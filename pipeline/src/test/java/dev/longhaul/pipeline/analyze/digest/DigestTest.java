/*
 * The digest's ranking (centrality, MMR, boosts, budget) with a deterministic hashing encoder, the
 * bounded candidate buffer, streaming over UTF-8 chunks, and the two baselines.
 */
package dev.longhaul.pipeline.analyze.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DigestTest {
    private static final Digest DIGEST = new Digest(new HashingEncoder(), Digest.Budget.DEFAULT);

    private static Digest.Result digest(String doc, SentenceSplitter.Mode mode, Signals signals) {
        DigestStream stream = new DigestStream(DIGEST, mode, signals);
        byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
        stream.accept(bytes, 0, bytes.length);
        return stream.finish();
    }

    @Test
    void nearDuplicatesAreNotTakenTwiceAndSentencesAreVerbatimInOrder() {
        // given a log where one line repeats and a few others vary
        StringBuilder doc = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            doc.append(i % 10 == 3 ? "disk failure on volume sda during write\n" : "heartbeat ok from node alpha to master\n");
        }
        doc.append("user admin logged in from console\nconfiguration reloaded by operator\n");
        Digest.Result r = digest(doc.toString(), SentenceSplitter.Mode.LINES, Signals.none());
        // then no text is chosen twice, each occurs in the document, and they are in document order
        List<String> texts = r.sentences().stream().map(Sentence::text).toList();
        assertEquals(texts.size(), new HashSet<>(texts).size(), "no duplicates: " + texts);
        assertTrue(texts.size() >= 2, texts.toString());
        for (int i = 0; i < r.sentences().size(); i++) {
            Sentence s = r.sentences().get(i);
            assertTrue(doc.toString().startsWith(s.text(), (int) s.offset()));
            assertTrue(i == 0 || r.sentences().get(i - 1).offset() < s.offset());
        }
        assertEquals(String.join("\n", texts), r.text());
    }

    @Test
    void budgetIsAShareOfTheDocumentWithinBounds() {
        Digest.Budget b = Digest.Budget.DEFAULT;
        assertEquals(12, b.words(10));
        assertEquals(25, b.words(100));
        assertEquals(200, b.words(1_000_000));
        // a 400-word document gets at most 100 words, unless its single best sentence is longer
        StringBuilder doc = new StringBuilder();
        Random random = new Random(3);
        String[] vocab = {"payment", "term", "notice", "party", "license", "fee", "law", "court", "data", "service"};
        for (int i = 0; i < 40; i++) {
            for (int w = 0; w < 10; w++) {
                doc.append(w == 0 ? "The" : vocab[random.nextInt(vocab.length)]).append(w == 9 ? ". " : " ");
            }
        }
        Digest.Result r = digest(doc.toString(), SentenceSplitter.Mode.PROSE, Signals.none());
        int words = r.sentences().stream().mapToInt(Sentence::words).sum();
        assertTrue(words <= 100 && words > 50, "words " + words);
    }

    @Test
    void analyzerBoostBringsInASentenceCentralityWouldMiss() {
        String doc = "The service runs daily. The service runs nightly. The service runs weekly. "
                + "Termination requires ninety days written notice. The service runs hourly.";
        long offset = doc.indexOf("Termination");
        Digest twelveWords = new Digest(new HashingEncoder(), new Digest.Budget(0.1, 12, 12));
        Digest.Result plain = twelveWords.build(candidates(doc, Signals.none()));
        Digest.Result boosted = twelveWords.build(candidates(doc, Signals.byOffset(Map.of(offset, 1.0))));
        assertFalse(plain.text().contains("Termination"), plain.text());
        assertTrue(boosted.text().contains("Termination requires ninety days written notice."), boosted.text());
    }

    @Test
    void ofTwoSentencesEquallyCentralTheOpeningIsChosenAndTheViewsRankingHasNoSuchPrior() {
        // given two sentences of equal length and no shared word: two unit vectors lie exactly as far
        // from their centroid, and TextRank ranks two unconnected sentences alike
        String doc = "Licensee pays all fees monthly. Either party may terminate anytime.";
        Candidates c = candidates(doc, Signals.none());
        List<Sentence> s = c.sentences();
        // when the digest's ranking (with the opening's prior) and one without a prior score them
        float[][] e = new HashingEncoder().encode(s.stream().map(Sentence::text).toList());
        double[] digest = new Salience(new HashingEncoder(), Salience.OPENING).scores(s, e, c);
        double[] middle = new Salience(new HashingEncoder(), 0).scores(s, e, c);
        // then the prior alone separates them, in the opening's favour, and a one-sentence budget takes the first
        assertEquals(middle[0], middle[1], 1e-6, "centrality and lexical centrality tie");
        assertEquals(Salience.OPENING / 2, digest[0] - digest[1], 1e-6);
        Digest fiveWords = new Digest(new HashingEncoder(), new Digest.Budget(0.1, 5, 5));
        assertEquals("Licensee pays all fees monthly.", fiveWords.build(c).text());
    }

    private static Candidates candidates(String doc, Signals signals) {
        Candidates c = new Candidates(signals);
        SentenceSplitter.split(doc, SentenceSplitter.Mode.PROSE).forEach(c::offer);
        return c;
    }

    @Test
    void candidatesAreBoundedAndKeepHeadAndSalientSentences() {
        // given 10,000 sentences of which every 1000th is boosted
        Candidates c = new Candidates(s -> s.text().startsWith("ALERT") ? 1.0 : 0.0);
        long offset = 0;
        for (int i = 0; i < 10_000; i++) {
            String text = (i % 1000 == 500 ? "ALERT number " : "line number ") + i;
            c.offer(new Sentence(offset, text));
            offset += text.length() + 1;
        }
        long end = offset;
        List<Sentence> kept = c.sentences();
        assertTrue(kept.size() <= Candidates.Bounds.DIGEST.total(), "kept " + kept.size());
        assertEquals(10_000, c.offered());
        assertEquals(30_000, c.documentWords());
        assertTrue(kept.stream().filter(s -> s.text().startsWith("ALERT")).count() == 10, "all 10 alerts kept");
        assertTrue(kept.stream().anyMatch(s -> s.text().equals("line number 0")), "head kept");
        assertTrue(kept.stream().anyMatch(s -> s.offset() > end / 2 && !s.text().startsWith("ALERT")), "sampled past the middle");
    }

    @Test
    void streamingInChunksThatSplitCharactersGivesTheSameDigest() {
        String doc = "Überweisung erfolgt binnen 30 Tagen. Die Kündigung ist schriftlich zu erklären. "
                + "Für Schäden haftet der Lizenzgeber nur bei Vorsatz. Gerichtsstand ist München. ".repeat(3);
        Digest.Result whole = digest(doc, SentenceSplitter.Mode.PROSE, Signals.none());
        byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
        DigestStream stream = new DigestStream(DIGEST, SentenceSplitter.Mode.PROSE, Signals.none());
        for (int at = 0; at < bytes.length; at += 5) {
            stream.accept(bytes, at, Math.min(5, bytes.length - at));
        }
        assertEquals(whole, stream.finish());
        assertFalse(whole.text().contains("\uFFFD"));
    }

    @Test
    void leadTakesTheFirstSentencesAndTextRankTheMostConnected() {
        List<Sentence> s = SentenceSplitter.split("Cats purr softly. Dogs bark loudly at night. "
                + "Cats and dogs share the house at night. Birds sing.", SentenceSplitter.Mode.PROSE);
        assertEquals("Cats purr softly.", Baselines.lead(s, 3).text());
        // the third shares words with both the first (cats) and the second (dogs, at, night)
        assertEquals("Cats and dogs share the house at night.", Baselines.textRank(s, 3).text());
    }
}
