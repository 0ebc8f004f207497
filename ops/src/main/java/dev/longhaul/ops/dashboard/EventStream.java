/*
 * Server-sent events for the dashboard page (GET /api/stream): each connected browser gets every
 * published snapshot as one `data:` event. Each client has a small queue drained by its own
 * (virtual) request thread, so a slow browser never delays the others or the publisher; when its
 * queue is full the stale snapshots are dropped, since only the newest matters. A comment line is
 * sent when nothing was published for a while, so proxies keep the connection open.
 */
package dev.longhaul.ops.dashboard;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;

final class EventStream implements AutoCloseable {
    private static final String CLOSED = "\u0000closed";
    private static final long KEEPALIVE_SECONDS = 15;

    private final Set<BlockingQueue<String>> clients = ConcurrentHashMap.newKeySet();
    private volatile String last;
    private volatile boolean closed;

    /** Sends `json` to every connected client. */
    void publish(String json) {
        last = json;
        for (BlockingQueue<String> q : clients) {
            offerLatest(q, json);
        }
    }

    int clients() {
        return clients.size();
    }

    /** Serves one client until it disconnects or the stream closes; runs on the request's thread. */
    void serve(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(4);
        clients.add(queue);
        try (OutputStream out = exchange.getResponseBody()) {
            String first = last;
            if (first != null) {
                write(out, "data: " + first + "\n\n");
            }
            while (!closed) {
                String next = queue.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
                if (next == null) {
                    write(out, ": keepalive\n\n");
                } else if (next.equals(CLOSED)) {
                    break;
                } else {
                    write(out, "data: " + next + "\n\n");
                }
            }
        } catch (IOException e) {
            // The browser went away (tab closed, page reloaded): nothing to clean but the queue.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(queue);
            exchange.close();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void offerLatest(BlockingQueue<String> q, String item) {
        while (!q.offer(item)) {
            q.poll();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (BlockingQueue<String> q : clients) {
            offerLatest(q, CLOSED);
        }
    }
}
