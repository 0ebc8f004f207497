/*
 * Synthetic service logs for the demo: what a small microservice fleet writes in an afternoon.
 * Each line is `<ISO-8601 UTC timestamp, ms> <LEVEL padded to 5> [<service>] <request id or -> <message>`:
 * HTTP access lines, cache and database timings, consumer lag, scheduled jobs, retries and
 * warnings; ERROR lines are followed by a Java stack trace (exception line, `\tat` frames,
 * sometimes `Caused by:` and `\t... N more`), as Logback prints them. One incident per log (a
 * payment provider timing out for a few minutes) makes errors cluster, so a reader has something
 * to find.
 *
 * Contract: the same seed gives the same logs, byte for byte; timestamps never decrease; every line
 * is a log line (LINE) or part of the stack trace of the ERROR line above it; a log is at least the
 * requested size (its last entry may run past it). Not thread-safe.
 */
package dev.longhaul.ops.demo;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;

public final class LogGenerator {
    /** A log line: timestamp, level, service, request id, message (groups 1 to 5). */
    public static final Pattern LINE = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z) (DEBUG|INFO |WARN |ERROR) \\[([a-z-]+)\\] (req-[0-9a-f]{12}|-) (.+)$");
    /** The lines of a stack trace under an ERROR line. */
    public static final Pattern TRACE = Pattern.compile(
            "^([a-z][\\w$]*(\\.[\\w$]+)+(: .*)?|\\tat [\\w$.<>/-]+\\([\\w$.]+(:\\d+)?\\)|Caused by: .+|\\t\\.\\.\\. \\d+ more)$");

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final String[] SERVICES = {"api-gateway", "auth-service", "checkout-api", "inventory", "payment-gateway",
        "search", "notification-worker"};
    private static final String[] PATHS = {"/api/v1/cart/%d", "/api/v1/orders/%d", "/api/v1/products/%d",
        "/api/v1/users/%d/profile", "/api/v1/search?q=item%d", "/api/v1/payments/%d/status", "/healthz"};
    private static final String[] METHODS = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
    private static final String[] TABLES = {"orders", "order_items", "customers", "stock_levels", "payments", "sessions"};
    private static final String[] TOPICS = {"orders.created", "payments.settled", "stock.reserved", "emails.outbound"};

    private final Random random;

    public LogGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** The next log, starting at {@code start}, at least {@code targetBytes} long (ASCII). */
    public String next(Instant start, int targetBytes) {
        StringBuilder b = new StringBuilder(targetBytes + 4096);
        long millis = start.toEpochMilli();
        // The incident: somewhere in the middle third of the log, lasting a few minutes of log time.
        int incidentStart = targetBytes / 3 + random.nextInt(Math.max(1, targetBytes / 3));
        int incidentBytes = Math.max(2_000, targetBytes / 25);
        while (b.length() < targetBytes) {
            millis += random.nextInt(40) + (random.nextInt(20) == 0 ? random.nextInt(4_000) : 0);
            boolean incident = b.length() >= incidentStart && b.length() < incidentStart + incidentBytes;
            entry(b, TIMESTAMP.format(Instant.ofEpochMilli(millis)), incident);
        }
        return b.toString();
    }

    private void entry(StringBuilder b, String ts, boolean incident) {
        int roll = random.nextInt(1000);
        if (incident && roll < 350) {
            providerTimeout(b, ts);
        } else if (roll < 3) {
            error(b, ts, "checkout-api", "Unhandled exception while quoting cart " + random.nextInt(99_999), nullPointer());
        } else if (roll < 5) {
            error(b, ts, "checkout-api", "Could not reserve stock for order " + (100_000 + random.nextInt(900_000)), poolExhausted());
        } else if (roll < 30) {
            warning(b, ts);
        } else if (roll < 110) {
            line(b, ts, "DEBUG", pick(SERVICES), request(), String.format(Locale.ROOT, "cache %s key=%s:%d (%d us)",
                    random.nextBoolean() ? "hit" : "miss", pick(TABLES), random.nextInt(50_000), 20 + random.nextInt(900)));
        } else if (roll < 170) {
            line(b, ts, "INFO ", pick(SERVICES), "-", background());
        } else if (roll < 260) {
            line(b, ts, "DEBUG", pick(SERVICES), request(), String.format(Locale.ROOT,
                    "query select from %s rows=%d took %d ms", pick(TABLES), random.nextInt(400), 1 + random.nextInt(60)));
        } else {
            access(b, ts);
        }
    }

    private void access(StringBuilder b, String ts) {
        String path = String.format(Locale.ROOT, pick(PATHS), 1 + random.nextInt(99_999));
        int status = random.nextInt(100) < 93 ? 200 : new int[] {201, 204, 301, 400, 401, 404, 409}[random.nextInt(7)];
        line(b, ts, "INFO ", "api-gateway", request(), String.format(Locale.ROOT, "%s %s -> %d in %d ms (%d bytes) ua=%s",
                pick(METHODS), path, status, 2 + random.nextInt(180), 120 + random.nextInt(40_000),
                random.nextBoolean() ? "mobile-ios/5.12.0" : "Mozilla/5.0"));
    }

    private String background() {
        return switch (random.nextInt(5)) {
            case 0 -> String.format(Locale.ROOT, "consumer group %s lag=%d on %s", pick(SERVICES), random.nextInt(300), pick(TOPICS));
            case 1 -> String.format(Locale.ROOT, "scheduled job expire-carts finished: %d carts expired in %d ms",
                    random.nextInt(90), 30 + random.nextInt(900));
            case 2 -> String.format(Locale.ROOT, "connection pool stats active=%d idle=%d waiting=%d",
                    random.nextInt(20), random.nextInt(10), random.nextInt(3));
            case 3 -> String.format(Locale.ROOT, "published %d events to %s", 1 + random.nextInt(50), pick(TOPICS));
            default -> String.format(Locale.ROOT, "jvm heap used=%d MiB of %d MiB, gc pauses %d ms in the last minute",
                    300 + random.nextInt(1_500), 2_048, random.nextInt(200));
        };
    }

    private void warning(StringBuilder b, String ts) {
        String message = switch (random.nextInt(4)) {
            case 0 -> String.format(Locale.ROOT, "slow query on %s took %d ms (threshold 500 ms)", pick(TABLES), 500 + random.nextInt(4_000));
            case 1 -> String.format(Locale.ROOT, "retrying call to inventory (attempt %d of 3) after %d ms", 1 + random.nextInt(2),
                    100 * (1 + random.nextInt(8)));
            case 2 -> "token validation failed: signature expired for client mobile-ios";
            default -> String.format(Locale.ROOT, "rate limit reached for tenant t-%d: %d requests/s", random.nextInt(900), 200 + random.nextInt(300));
        };
        line(b, ts, "WARN ", pick(SERVICES), request(), message);
    }

    private void providerTimeout(StringBuilder b, String ts) {
        if (random.nextInt(3) == 0) {
            line(b, ts, "WARN ", "payment-gateway", request(), "circuit breaker provider-psp is HALF_OPEN; probing");
            return;
        }
        String request = request();
        String trace = "java.net.SocketTimeoutException: Read timed out\n"
                + frames(new String[] {"java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)",
                    "java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)",
                    "com.acme.payments.psp.ProviderClient.charge(ProviderClient.java:112)",
                    "com.acme.payments.ChargeService.authorize(ChargeService.java:64)",
                    "com.acme.payments.web.PaymentController.pay(PaymentController.java:41)"});
        line(b, ts, "ERROR", "payment-gateway", request, String.format(Locale.ROOT,
                "charge failed for order %d: provider timed out after 10000 ms", 100_000 + random.nextInt(900_000)));
        b.append(trace);
    }

    private String nullPointer() {
        return "java.lang.NullPointerException: Cannot invoke \"com.acme.model.Address.country()\" because \"address\" is null\n"
                + frames(new String[] {"com.acme.checkout.TaxCalculator.rateFor(TaxCalculator.java:88)",
                    "com.acme.checkout.CheckoutService.quote(CheckoutService.java:151)",
                    "com.acme.checkout.web.CheckoutController.quote(CheckoutController.java:57)",
                    "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)"});
    }

    private String poolExhausted() {
        return "org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC Connection\n"
                + frames(new String[] {"com.acme.inventory.StockRepository.reserve(StockRepository.java:73)",
                    "com.acme.checkout.OrderService.place(OrderService.java:129)"})
                + "Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, "
                + "request timed out after 30000ms.\n"
                + frames(new String[] {"com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
                    "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)"})
                + "\t... " + (20 + random.nextInt(30)) + " more\n";
    }

    private static String frames(String[] frames) {
        StringBuilder s = new StringBuilder();
        for (String f : frames) {
            s.append("\tat ").append(f).append('\n');
        }
        return s.toString();
    }

    private void error(StringBuilder b, String ts, String service, String message, String trace) {
        line(b, ts, "ERROR", service, request(), message);
        b.append(trace);
    }

    private static void line(StringBuilder b, String ts, String level, String service, String request, String message) {
        b.append(ts).append(' ').append(level).append(" [").append(service).append("] ").append(request).append(' ')
                .append(message).append('\n');
    }

    private String request() {
        return String.format(Locale.ROOT, "req-%012x", random.nextLong() & 0xffff_ffff_ffffL);
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }
}
