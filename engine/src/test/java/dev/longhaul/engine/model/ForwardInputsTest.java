/*
 * The forward pass refuses bad inputs with an IllegalArgumentException naming what is wrong, before
 * touching any state: token ids outside [0, vocab_size) (the id is named), empty segments and
 * empty steps. Uses the golden minimax-tiny model (vocab 512) on the scalar backend.
 */
package dev.longhaul.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.model.MiniMaxModel.RopeMode;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ForwardInputsTest {
    private ScalarBackend backend;
    private MiniMaxModel model;
    private Workspace ws;

    @BeforeEach
    void load() {
        backend = new ScalarBackend();
        model = MiniMaxModel.load(SharedData.golden("minimax-tiny"), backend, RopeMode.PARTIAL);
        ws = model.workspace(8, 2);
    }

    @AfterEach
    void close() {
        model.close();
        backend.close();
    }

    @Test
    void aSegmentWithoutLogitsAdvancesTheStateExactlyAsOneWithLogits() {
        // given two sequences fed the same first chunk, one asking for no logits
        int[] first = {7, 300, 42, 9, 511};
        int[] second = {1, 2, 3};
        SequenceState quiet = model.newSequence();
        SequenceState loud = model.newSequence();
        List<float[][]> none = model.forward(List.of(new Segment(quiet, first, 0, first.length, Segment.Logits.NONE)), ws);
        model.forward(List.of(new Segment(loud, first, 0, first.length, Segment.Logits.ALL)), model.workspace(8, 8));
        // then no rows come back, and the next chunk's logits are identical
        assertEquals(0, none.getFirst().length);
        float[] a = model.forward(List.of(Segment.of(quiet, second)), ws).getFirst()[0];
        float[] b = model.forward(List.of(Segment.of(loud, second)), ws).getFirst()[0];
        org.junit.jupiter.api.Assertions.assertArrayEquals(b, a, 0f);
        assertEquals(8, quiet.position());
    }

    @Test
    void oneStateInTwoSegmentsOfAStepIsRefused() {
        SequenceState state = model.newSequence();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.forward(List.of(Segment.of(state, new int[] {1, 2}), Segment.of(state, new int[] {3})), ws));
        assertTrue(e.getMessage().contains("two segments"), e.getMessage());
        assertEquals(0, state.position());
    }

    /** A state another model made (other layers, shapes, backend) is refused before the step, its partners untouched. */
    @Test
    void aStateOfAnotherModelIsRefusedBeforeTheStepBreaksItsPartners() {
        // given a state of this model and one of the five-layer minimax-tiny-b, hidden 48
        try (MiniMaxModel other = MiniMaxModel.load(SharedData.golden("minimax-tiny-b"), backend, RopeMode.PARTIAL)) {
            SequenceState mine = model.newSequence();
            SequenceState theirs = other.newSequence();
            // when both go into one step
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(List.of(Segment.of(mine, new int[] {7, 8}), Segment.of(theirs, new int[] {9})), ws));
            // then it is named, and nothing ran: both states are as they were and mine runs on
            assertTrue(e.getMessage().contains("made by another model (5 layers"), e.getMessage());
            assertTrue(mine.usable() && theirs.usable());
            assertEquals(0, mine.position());
            model.forward(List.of(Segment.of(mine, new int[] {7, 8})), ws);
            assertEquals(2, mine.position());
            // and a snapshot belongs where its original does
            assertTrue(theirs.snapshot().belongsTo(other) && !theirs.snapshot().belongsTo(model));
        }
    }

    @Test
    void aStepThatFailsPartwayLeavesItsStatesUnusableNotSilentlyHalfAdvanced() {
        // a backend whose softmax attention fails: the lightning layers before it have advanced the state
        dev.longhaul.engine.backend.Backend failing = (dev.longhaul.engine.backend.Backend) java.lang.reflect.Proxy.newProxyInstance(
                dev.longhaul.engine.backend.Backend.class.getClassLoader(), new Class<?>[] {dev.longhaul.engine.backend.Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("softmaxAttention")) {
                        throw new IllegalStateException("device fault (simulated)");
                    }
                    try {
                        return method.invoke(backend, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (MiniMaxModel broken = MiniMaxModel.load(SharedData.golden("minimax-tiny"), failing, RopeMode.PARTIAL)) {
            Workspace bws = broken.workspace(8, 2);
            SequenceState state = broken.newSequence();
            assertThrows(IllegalStateException.class, () -> broken.forward(List.of(Segment.of(state, new int[] {1, 2, 3})), bws));
            IllegalStateException again = assertThrows(IllegalStateException.class,
                    () -> broken.forward(List.of(Segment.of(state, new int[] {4})), bws));
            assertTrue(again.getMessage().contains("unusable") && again.getMessage().contains("device fault"), again.getMessage());
            assertThrows(IllegalStateException.class, state::snapshot);
            assertEquals(0, state.position());
        }
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreNamedAndLeaveTheStateUntouched() {
        for (int bad : new int[] {512, 100_000, -1, Integer.MIN_VALUE}) {
            // given a sequence and a segment whose third token is `bad`
            SequenceState state = model.newSequence();
            Segment segment = Segment.of(state, new int[] {1, 2, bad, 3});

            // when it is run
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(List.of(segment), ws));

            // then the message names the id, its index and the vocabulary, and the state has not advanced
            assertTrue(e.getMessage().contains("token id " + bad + " ") && e.getMessage().contains("index 2")
                    && e.getMessage().contains("512"), e.getMessage());
            assertEquals(0, state.position());
        }
        // the largest valid id runs
        SequenceState ok = model.newSequence();
        assertEquals(512, model.forward(List.of(Segment.of(ok, new int[] {511})), ws).getFirst()[0].length);
        assertEquals(1, ok.position());
    }

    @Test
    void emptySegmentsAndEmptyStepsAreRefused() {
        SequenceState state = model.newSequence();
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> Segment.of(state, new int[0]));
        assertTrue(empty.getMessage().contains("at least one token"), empty.getMessage());
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> new Segment(state, new int[] {1, 2}, 1, 2, Segment.Logits.LAST));
        assertTrue(outside.getMessage().contains("[1, 3)"), outside.getMessage());
        // a start so large that start + count wraps around is outside too, not an index exception later
        outside = assertThrows(IllegalArgumentException.class,
                () -> new Segment(state, new int[] {1, 2}, Integer.MAX_VALUE, 1, Segment.Logits.LAST));
        assertTrue(outside.getMessage().contains("outside 2 tokens"), outside.getMessage());
        IllegalArgumentException noSegments = assertThrows(IllegalArgumentException.class,
                () -> model.forward(List.of(), ws));
        assertTrue(noSegments.getMessage().contains("segment"), noSegments.getMessage());
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> model.forward(List.of(Segment.of(state, new int[9])), ws));
        assertTrue(tooMany.getMessage().contains("9 tokens"), tooMany.getMessage());
    }
}
