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
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

final class VectorMath {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Shorts with as many lanes as F: the bf16 bits of one float vector. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F128 = FloatVector.SPECIES_128;

    private VectorMath() {
    }

    /** Widens L bf16 values (raw bits) to floats: bits << 16. */
    static FloatVector bf16(ShortVector bits) {
        return ((IntVector) bits.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    /** Sum of the lanes in a fixed order: halve to 4 lanes with lane-wise adds, then (l0+l1)+(l2+l3). */
    static float sum(FloatVector v) {
        FloatVector w = v;
        while (w.length() > 4) {
            VectorSpecies<Float> half = VectorSpecies.of(float.class, VectorShape.forBitSize(w.species().vectorBitSize() / 2));
            FloatVector lo = (FloatVector) w.reinterpretShape(half, 0);
            FloatVector hi = (FloatVector) w.reinterpretShape(half, 1);
            w = lo.add(hi);
        }
        if (w.length() == 4) {
            return (w.lane(0) + w.lane(1)) + (w.lane(2) + w.lane(3));
        }
        float s = 0f;
        for (int i = 0; i < w.length(); i++) {
            s += w.lane(i);
        }
        return s;
    }

    /** Same as sum, for the 512-bit case without the loop (kept equal to sum by construction). */
    static float sum512(FloatVector v) {
        if (v.length() != 16) {
            return sum(v);
        }
        FloatVector w8 = ((FloatVector) v.reinterpretShape(FloatVector.SPECIES_256, 0))
                .add((FloatVector) v.reinterpretShape(FloatVector.SPECIES_256, 1));
        FloatVector w4 = ((FloatVector) w8.reinterpretShape(F128, 0)).add((FloatVector) w8.reinterpretShape(F128, 1));
        return (w4.lane(0) + w4.lane(1)) + (w4.lane(2) + w4.lane(3));
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
