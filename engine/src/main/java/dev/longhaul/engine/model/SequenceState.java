/*
 * Everything needed to resume one sequence (MINIMAX.md §8): its position, the lightning state
 * S [n·D, D] of every linear layer, with room after it for what its slow heads need to keep their
 * state scaled (float32, fixed size), and the KV cache of every softmax layer (the only part that
 * grows). A snapshot is an independent copy: continue it with a different suffix while the
 * original stays as it was, which is how one prefilled document serves many tasks.
 */
package dev.longhaul.engine.model;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.KvCache;
import dev.longhaul.engine.backend.Tensor;

public final class SequenceState {
    /** The model that made it (or the state it is a snapshot of): only that model may run it. */
    private final MiniMaxModel owner;
    private final Backend backend;
    private final Tensor[] lightning; // [layer] -> [n·D + ⌈n/D⌉][D], null for softmax layers
    private final KvCache[] kv;       // [layer] -> cache, null for lightning layers
    private int position;
    /** Set when a step failed partway: some layers advanced, some not, so the state is no sequence's. */
    private String broken;

    private SequenceState(MiniMaxModel owner, Backend backend, Tensor[] lightning, KvCache[] kv, int position) {
        this.owner = owner;
        this.backend = backend;
        this.lightning = lightning;
        this.kv = kv;
        this.position = position;
    }

    static SequenceState create(MiniMaxModel owner, ModelConfig cfg, Backend backend) {
        Tensor[] lightning = new Tensor[cfg.numLayers()];
        KvCache[] kv = new KvCache[cfg.numLayers()];
        for (int l = 0; l < cfg.numLayers(); l++) {
            if (cfg.kind(l) == LayerKind.LINEAR) {
                // the heads' D×D blocks, then a row (or more) for the heads' scale counts (Backend.lightning)
                lightning[l] = backend.allocate(cfg.attentionWidth() + Math.ceilDiv(cfg.numHeads(), cfg.headDim()), cfg.headDim());
            } else {
                kv[l] = backend.newKvCache(cfg.numKvHeads(), cfg.headDim());
            }
        }
        return new SequenceState(owner, backend, lightning, kv, 0);
    }

    /** Tokens processed so far: the position of the next token. */
    public int position() {
        return position;
    }

    /** Only after a whole step; MiniMaxModel.forward refuses a step past Integer.MAX_VALUE before it starts. */
    void advance(int tokens) {
        position += tokens;
    }

    /** Marks the state unusable: a step failed after some of its layers had advanced it. */
    void breakWith(String why) {
        broken = why;
    }

    /** False when a failed step left this state half advanced (checkUsable() says why). */
    public boolean usable() {
        return broken == null;
    }

    /** IllegalStateException when a failed step left this state half advanced. */
    public void checkUsable() {
        if (broken != null) {
            throw new IllegalStateException("this sequence's state is unusable: " + broken
                    + " (some layers had advanced it); start the sequence again");
        }
    }

    /** Whether `model` made this state (a state of another model has other layers, shapes and backend). */
    public boolean belongsTo(MiniMaxModel model) {
        return owner == model;
    }

    /** IllegalArgumentException unless `model` made this state. */
    public void checkBelongsTo(MiniMaxModel model) {
        if (owner != model) {
            throw new IllegalArgumentException("this sequence state was made by another model (" + owner.config().numLayers()
                    + " layers on " + owner.backend().name() + "); a state runs only on the model that made it");
        }
    }

    Tensor lightning(int layer) {
        return lightning[layer];
    }

    KvCache kvCache(int layer) {
        return kv[layer];
    }

    /** An independent copy of this state (KV pages that are full are shared, never written). */
    public SequenceState snapshot() {
        checkUsable();
        Tensor[] l = new Tensor[lightning.length];
        KvCache[] k = new KvCache[kv.length];
        for (int i = 0; i < l.length; i++) {
            if (lightning[i] != null) {
                l[i] = backend.allocate(lightning[i].rows(), lightning[i].cols());
                backend.copy(lightning[i], l[i]);
            }
            if (kv[i] != null) {
                k[i] = kv[i].fork();
            }
        }
        return new SequenceState(owner, backend, l, k, position);
    }

    /** Bytes of fixed-size lightning state. */
    public long lightningBytes() {
        long b = 0;
        for (Tensor t : lightning) {
            if (t != null) {
                b += (long) t.rows() * t.cols() * Float.BYTES;
            }
        }
        return b;
    }

    /** Bytes held now: lightning state plus KV pages. */
    public long bytes() {
        long b = lightningBytes();
        for (KvCache c : kv) {
            if (c != null) {
                b += c.bytes();
            }
        }
        return b;
    }
}
