/*
 * Element types a safetensors checkpoint may use for this engine's weights, with their widths and
 * the widening rule to float32 (MINIMAX.md §2: BF16 is the high half of an F32 word).
 */
package dev.longhaul.engine.checkpoint;

import java.util.Locale;

public enum DType {
    F32(4),
    BF16(2),
    F16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** Parses a safetensors dtype string; names the tensor and file when it is not one we load. */
    public static DType parse(String name, String tensor, String file) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "F32" -> F32;
            case "BF16" -> BF16;
            case "F16" -> F16;
            default -> throw new CheckpointException(file, "tensor '" + tensor + "' has dtype " + name
                    + "; this engine loads F32, BF16 and F16 weights");
        };
    }

    /** Widens a bfloat16 bit pattern to float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Rounds float32 to bfloat16 (round to nearest even; NaN stays NaN). */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
