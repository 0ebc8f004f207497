/*
 * Vector API building blocks shared by the fast kernels. Everything here uses only lane-wise
 * IEEE operations (add, mul, fma, shifts, bit reinterpretation), so a result is the same whether
 * the JIT compiled the code or not: horizontal sums use a fixed halving order rather than
 * reduceLanes (whose order the JIT may change), and exp is our own polynomial rather than the
 * library's lanewise(EXP), whose compiled and interpreted results differ in the last bits.
 */
package dev.longhaul.engine.cpu;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

final class VectorMath {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Shorts with as many lanes as F: the bf16 bits of one float vector. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VectorMath() {
    }

    /** Widens L bf16 values (raw bits) to floats: bits << 16. */
    static FloatVector bf16(ShortVector bits) {
        return ((IntVector) bits.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    // XOR-butterfly shuffles and masks: partner lane i ^ 2^s, and "upper partner" masks.
    private static final VectorShuffle<Float>[] XOR = xorShuffles();
    private static final VectorMask<Float> UPPER_HALF = F.indexInRange(-L / 2, L / 2);
    private static final VectorMask<Float> UPPER_QUARTER = quarterMask();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] xorShuffles() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] out = new VectorShuffle[steps];
        for (int s = 0; s < steps; s++) {
            int bit = 1 << s;
            out[s] = VectorShuffle.fromOp(F, i -> i ^ bit);
        }
        return out;
    }

    private static VectorMask<Float> quarterMask() {
        boolean[] bits = new boolean[L];
        for (int i = 0; i < L; i++) {
            bits[i] = (i & Math.max(1, L / 4)) != 0;
        }
        return VectorMask.fromArray(F, bits, 0);
    }

    /**
     * Sum of the lanes by a fixed XOR butterfly (pairs i, i ^ L/2, then i ^ L/4, ...): lane-wise
     * adds only, so the order is the same compiled or interpreted.
     */
    static float sum(FloatVector v, float[] tmp) {
        FloatVector s = v;
        for (int step = XOR.length - 1; step >= 0; step--) {
            s = s.add(s.rearrange(XOR[step]));
        }
        s.intoArray(tmp, 0);
        return tmp[0];
    }

    /**
     * The lane sums of four vectors stored at acc[base], acc[base + L], acc[base + 2L],
     * acc[base + 3L], each by the same butterfly as sum(), so each result equals sum() of its
     * vector bit for bit. Results go to out[o..o+3]. Taking arrays rather than vectors keeps the
     * callers' accumulators in registers (a vector passed to a method the JIT does not inline
     * would be boxed). tmp holds L floats.
     */
    static void sum4(float[] acc, int base, float[] tmp, float[] out, int o) {
        FloatVector a0 = FloatVector.fromArray(F, acc, base);
        FloatVector a1 = FloatVector.fromArray(F, acc, base + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, base + 2 * L);
        FloatVector a3 = FloatVector.fromArray(F, acc, base + 3 * L);
        if (L < 4) {
            out[o] = sum(a0, tmp);
            out[o + 1] = sum(a1, tmp);
            out[o + 2] = sum(a2, tmp);
            out[o + 3] = sum(a3, tmp);
            return;
        }
        int top = XOR.length - 1;
        // pairs (i, i ^ L/2): a0 partials land in the lower half, a1 in the upper half
        FloatVector r01 = a0.blend(a1, UPPER_HALF).add(a1.blend(a0, UPPER_HALF).rearrange(XOR[top]));
        FloatVector r23 = a2.blend(a3, UPPER_HALF).add(a3.blend(a2, UPPER_HALF).rearrange(XOR[top]));
        // pairs (i, i ^ L/4): quarters hold a0, a2, a1, a3
        FloatVector s = r01.blend(r23, UPPER_QUARTER).add(r23.blend(r01, UPPER_QUARTER).rearrange(XOR[top - 1]));
        for (int step = top - 2; step >= 0; step--) {
            s = s.add(s.rearrange(XOR[step]));
        }
        s.intoArray(tmp, 0);
        int q = L / 4;
        out[o] = tmp[0];
        out[o + 1] = tmp[2 * q];
        out[o + 2] = tmp[q];
        out[o + 3] = tmp[3 * q];
    }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5·2^23: adding and subtracting it rounds to an integer

    /** e^x for each lane, relative error about 2e-7, clamped to [-87.3, 88.3]. */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(-87.3f).min(88.3f);
        FloatVector n = c.mul(LOG2E).add(ROUND).sub(ROUND);   // n = round(x / ln 2)
        FloatVector r = c.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO)); // r = x − n·ln 2, |r| ≤ ln2/2
        // e^r by a degree-6 Taylor/Horner polynomial
        FloatVector p = r.fma(1.3888889e-3f, 8.3333333e-3f);
        p = p.fma(r, FloatVector.broadcast(F, 4.1666667e-2f));
        p = p.fma(r, FloatVector.broadcast(F, 1.6666667e-1f));
        p = p.fma(r, FloatVector.broadcast(F, 0.5f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        // 2^n built in the exponent bits
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /** sigmoid(x) = 1 / (1 + e^(−x)). */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        return one.div(exp(x.neg()).add(one));
    }

    /** Scalar e^x with the same polynomial, for tails shorter than a vector. */
    static float exp(float x) {
        float c = Math.min(Math.max(x, -87.3f), 88.3f);
        float n = (c * LOG2E + ROUND) - ROUND;
        float r = (c - n * LN2_HI) - n * LN2_LO;
        float p = Math.fma(r, 1.3888889e-3f, 8.3333333e-3f);
        p = Math.fma(p, r, 4.1666667e-2f);
        p = Math.fma(p, r, 1.6666667e-1f);
        p = Math.fma(p, r, 0.5f);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    static float sigmoid(float x) {
        return 1f / (exp(-x) + 1f);
    }
}
