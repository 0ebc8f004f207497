/*
 * A safetensors file taken apart for tests that break it on purpose: the header as an editable
 * JSON object and the data section as bytes. write() puts it back together with a correct header
 * length; the raw byte helpers build files that lie about it.
 */
package dev.longhaul.engine.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

record SafeTensorsImage(ObjectNode header, byte[] data) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static SafeTensorsImage read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int headerLen = (int) headerLength(all);
        ObjectNode header = (ObjectNode) JSON.readTree(new String(all, 8, headerLen, StandardCharsets.UTF_8));
        return new SafeTensorsImage(header, Arrays.copyOfRange(all, 8 + headerLen, all.length));
    }

    static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    ObjectNode tensor(String name) {
        ObjectNode t = (ObjectNode) header.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name + " in the test fixture");
        }
        return t;
    }

    /** Sets a tensor's data_offsets. */
    void offsets(String name, long begin, long end) {
        tensor(name).putArray("data_offsets").add(begin).add(end);
    }

    long begin(String name) {
        return tensor(name).get("data_offsets").get(0).asLong();
    }

    long end(String name) {
        return tensor(name).get("data_offsets").get(1).asLong();
    }

    /** The file without tensor `name`: its entry and its bytes gone, the tensors after it moved back. */
    SafeTensorsImage without(String name) {
        long begin = begin(name);
        long end = end(name);
        ObjectNode h = header.deepCopy();
        h.remove(name);
        for (var e : h.properties()) {
            if (!e.getKey().equals("__metadata__") && e.getValue().get("data_offsets").get(0).asLong() >= end) {
                long b = e.getValue().get("data_offsets").get(0).asLong() - (end - begin);
                long f = e.getValue().get("data_offsets").get(1).asLong() - (end - begin);
                ((ObjectNode) e.getValue()).putArray("data_offsets").add(b).add(f);
            }
        }
        byte[] d = new byte[data.length - (int) (end - begin)];
        System.arraycopy(data, 0, d, 0, (int) begin);
        System.arraycopy(data, (int) end, d, (int) begin, data.length - (int) end);
        return new SafeTensorsImage(h, d);
    }

    /** The same header with `extra` zero bytes appended to the data section. */
    SafeTensorsImage withExtraData(int extra) {
        return new SafeTensorsImage(header, Arrays.copyOf(data, data.length + extra));
    }

    void write(Path file) throws IOException {
        byte[] h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(data);
        Files.write(file, out.array());
    }
}
