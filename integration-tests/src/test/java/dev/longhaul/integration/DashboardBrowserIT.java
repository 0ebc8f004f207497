/*
 * The dashboard in a real headless browser: Debian's chromium driven by chromedriver through
 * Selenium, against a Cluster (embedded broker, registry, pipeline) with one in-process worker on
 * the synthesized xs model. Given the page open, when short jobs are submitted through the ingest
 * Submitter, then the page's job table shows them SUCCEEDED and the chart series (window.longhaul,
 * mirrored in the canvases' data-max) rise above zero without a reload, the worker's batch fill
 * among them (zero before any job: nothing stepped); a job waiting behind a long one (the
 * dispatch window holds one order) is paused from its row and keeps its resume button through a
 * priority change typed into its row; the long job, paused from its row while it runs, is handed back by the worker
 * (QUEUED, paused), runs again once resumed, and its cancel button ends it CANCELLED; the waiting
 * job stays QUEUED meanwhile, and runs to SUCCEEDED once resumed. A screenshot is saved under target/.
 * The API needs the dashboard's bearer token: opened without it the page shows its login form and
 * a wrong token typed there is refused (401); opened at pageUrl() (#token=...) it reads the token,
 * drops it from the address bar and goes live.
 * Reports itself skipped where no chromium or chromedriver binary is on the PATH.
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.ops.dashboard.Dashboard;
import dev.longhaul.ops.dashboard.DashboardConfig;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.worker.Faults;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

class DashboardBrowserIT {
    private static final Duration PATIENCE = Duration.ofMinutes(4);
    /** Document tokens the worker reads per job: enough that the long job runs for a while. */
    private static final int CONTEXT = 20_000;
    private static final String APP_ID = "longhaul-dashboard-it";

    private static Cluster cluster;
    private static Dashboard dashboard;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() {
        Optional<Path> chromium = onPath("chromium", "chromium-browser", "google-chrome");
        Optional<Path> driver = onPath("chromedriver");
        Assumptions.assumeTrue(chromium.isPresent() && driver.isPresent(),
                "no chromium or chromedriver on the PATH (apt-get install chromium chromium-driver)");
        // a window of one token: a worker takes one order at a time, so a second job waits in the
        // dispatcher, where it can be paused
        cluster = new Cluster(PipelineConfig.DEFAULTS.withKafka(
                new PipelineConfig.Kafka(APP_ID, "longhaul.", 1, Duration.ofMillis(100)))
                .withDispatch(new PipelineConfig.Dispatch(4, 1, Duration.ofSeconds(30), Duration.ofSeconds(1))), CONTEXT, 8);
        cluster.addWorker(cluster.workerConfig("browser-worker"), HOLD_LONG);
        dashboard = Dashboard.start(DashboardConfig.DEFAULTS.withPort(0).withPushInterval(Duration.ofMillis(500))
                        .withPipelineApplicationId(APP_ID),
                cluster.stack.bootstrapServers(), cluster.topics, new RestSchemaRegistryClient(cluster.stack.registryUrl()),
                Optional.of(cluster.stack.pipeline().streams()));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get().toFile());
        // Root in a container has no user namespace for chromium's sandbox, and /dev/shm is small there.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.get().toFile()).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        PAUSE_CLICKED.countDown(); // a test that failed first leaves no run held
        CANCEL_CLICKED.countDown();
        if (browser != null) {
            browser.quit();
        }
        if (dashboard != null) {
            dashboard.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void chartsAndTheJobTableFollowJobsAndCancelWorks() throws Exception {
        browser.get(dashboard.url().toString());
        waitFor("the login form, without a token", d -> d.findElement(By.id("login")).isDisplayed());
        browser.findElement(By.id("token")).sendKeys("not-the-token");
        browser.findElement(By.cssSelector("#login button")).click();
        waitFor("a wrong token refused", d -> number("return window.longhaul.refused") >= 1);
        assertEquals(0.0, number("return window.longhaul.updates"), "nothing is shown without the right token");
        browser.get("about:blank");
        browser.get(dashboard.pageUrl().toString());
        waitFor("two pushed snapshots", d -> number("return window.longhaul.updates") >= 2);
        assertTrue(!browser.getCurrentUrl().contains("token"), "the token leaves the address bar: " + browser.getCurrentUrl());
        assertTrue(!browser.findElement(By.id("login")).isDisplayed(), "the login form hides once live");
        assertEquals(0.0, number("return Math.max.apply(null, window.longhaul.series.prefill)"), "no tokens before any job");
        assertEquals("0", browser.findElement(By.id("chart-tokens")).getDomAttribute("data-max"));
        assertEquals(List.of("–", "–", "–"), latencyColumn(2), "no job finished: no latency shown, rather than 0 ms");
        waitFor("the worker in the batch chart", d -> Boolean.TRUE.equals(js("return !!window.longhaul.series.batch['browser-worker']")));
        assertEquals(0.0, batchFillMax(), "no engine steps before any job");

        List<String> shortJobs = List.of("browser-1", "browser-2", "browser-3");
        for (String id : shortJobs) {
            submit(id, "A short text for the dashboard test, number " + id + ". The quick brown fox jumps over the lazy dog.");
        }
        for (String id : shortJobs) {
            waitFor(id + " SUCCEEDED in the job table", d -> "SUCCEEDED".equals(rowState(id)));
        }
        waitFor("prefill and decode in the token chart", d -> number("return Math.max.apply(null, window.longhaul.series.prefill)") > 0
                && number("return Math.max.apply(null, window.longhaul.series.decode)") > 0);
        waitFor("batch fill in the batch chart", d -> batchFillMax() > 0);
        assertTrue(Double.parseDouble(browser.findElement(By.id("chart-batch")).getDomAttribute("data-max")) > 0,
                "the batch canvas drew a non-zero series");
        waitFor("completions in the jobs chart", d -> number("return Math.max.apply(null, window.longhaul.series.jobs)") > 0);
        assertTrue(Double.parseDouble(browser.findElement(By.id("chart-tokens")).getDomAttribute("data-max")) > 0,
                "the canvas drew a non-zero series");
        assertEquals("1", browser.findElement(By.id("lanes")).getDomAttribute("data-workers"), "the worker's lane load is drawn");
        assertEquals(3.0, number("return window.longhaul.snapshot.finishedByState.SUCCEEDED"));
        waitFor("the worker's tokens in its table", d -> number("var row = Array.from(document.querySelectorAll('#worker-tokens tbody tr'))"
                + ".find(function (tr) { return tr.cells[0].textContent === 'browser-worker'; });"
                + " return row ? Number(row.cells[3].textContent.replace(/[kM]$/, '')) : 0") > 0);
        waitFor("latencies once jobs finished", d -> !latencyColumn(2).contains("–"));
        assertEquals(List.of("queued", "running", "end_to_end"),
                js("return Array.from(document.querySelectorAll('#latency tbody tr td:first-child')).map(function (c) { return c.textContent; })"));

        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 400_000; i++) {
            text.append("Section ").append(i).append(". The parties agree that the supplier shall deliver the goods. ");
        }
        submit("browser-long", text.toString());
        waitFor("browser-long RUNNING", d -> "RUNNING".equals(rowState("browser-long")));
        // a job behind it waits for the worker; paused there, it stays behind after the worker is free
        submit("browser-held", "A job that waits its turn, then is paused and resumed.");
        waitFor("browser-held QUEUED with a pause button", d -> "QUEUED".equals(rowState("browser-held"))
                && Boolean.TRUE.equals(js("var b = document.querySelector('button.pause[data-job-id=\"browser-held\"]');"
                        + " return !!b && b.style.display !== 'none' && b.textContent === 'pause';")));
        click("button.pause[data-job-id='browser-held']");
        waitFor("browser-held paused", d -> "true".equals(rowData("browser-held", "paused")));
        // a priority change while paused, typed into its row, leaves it shown as paused, with resume on offer
        browser.findElement(By.cssSelector("input.priority[data-job-id='browser-held']")).sendKeys("3");
        click("button.priority[data-job-id='browser-held']");
        waitFor("browser-held's priority change on the page", d -> "paused; priority=3".equals(js(
                "var j = window.longhaul.snapshot.jobs.find(function (x) { return x.jobId === 'browser-held'; }); return j ? j.reason : null;")));
        assertEquals("true", rowData("browser-held", "paused"));
        assertEquals("3", rowData("browser-held", "priority"));
        waitFor("the priority button free again once the status says so", d -> "set".equals(
                js("return document.querySelector('button.priority[data-job-id=\"browser-held\"]').textContent")));
        // the running job paused from its row: its worker stops it and hands it back
        waitFor("browser-long with a pause button", d -> Boolean.TRUE.equals(js("var b = document.querySelector("
                + "'button.pause[data-job-id=\"browser-long\"]'); return !!b && b.style.display !== 'none' && b.textContent === 'pause';")));
        click("button.pause[data-job-id='browser-long']");
        PAUSE_CLICKED.countDown();
        waitFor("browser-long handed back, paused", d -> "QUEUED".equals(rowState("browser-long"))
                && "true".equals(rowData("browser-long", "paused")));
        String reason = String.valueOf(js("var j = window.longhaul.snapshot.jobs.find(function (x) {"
                + " return x.jobId === 'browser-long'; }); return j ? j.reason : null;"));
        assertTrue(reason.startsWith(JobStates.HANDED_BACK), reason);
        // resumed, it runs again (from the beginning), and is cancelled while it runs
        click("button.pause[data-job-id='browser-long']");
        waitFor("browser-long RUNNING again", d -> "RUNNING".equals(rowState("browser-long")));
        clickCancel("browser-long");
        CANCEL_CLICKED.countDown();
        waitFor("the cancel request accepted", d -> Boolean.TRUE.equals(js("return window.longhaul.cancelled.indexOf('browser-long') >= 0")));
        waitFor("browser-long CANCELLED in the job table", d -> "CANCELLED".equals(rowState("browser-long")));
        Thread.sleep(3000);
        assertEquals("QUEUED", rowState("browser-held"), "a paused job is not released when the worker frees up");
        assertEquals("resume", js("return document.querySelector('button.pause[data-job-id=\"browser-held\"]').textContent"));
        click("button.pause[data-job-id='browser-held']");
        waitFor("browser-held SUCCEEDED once resumed", d -> "SUCCEEDED".equals(rowState("browser-held")));

        Path shot = Path.of("target", "dashboard-browser.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        assertTrue(Files.size(shot) > 0);
    }

    /** Opened once the test has clicked pause, then cancel, on the long job's row. */
    private static final java.util.concurrent.CountDownLatch PAUSE_CLICKED = new java.util.concurrent.CountDownLatch(1);
    private static final java.util.concurrent.CountDownLatch CANCEL_CLICKED = new java.util.concurrent.CountDownLatch(1);

    /**
     * Holds the long job's two runs (the 4th and 5th distinct orders: three short jobs come first,
     * and the held job is not released meanwhile) at their first prefilled chunk until the test has
     * clicked on its row, so that the job is surely still running when the pause and the cancel
     * come, however slow or fast the machine: the run sees them at its next chunk.
     */
    private static final Faults HOLD_LONG = new Faults() {
        private final java.util.Set<String> orders = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public void at(Point point, String order) {
            if (point != Point.PREFILL || !orders.add(order)) {
                return;
            }
            java.util.concurrent.CountDownLatch gate = switch (orders.size()) {
                case 4 -> PAUSE_CLICKED;
                case 5 -> CANCEL_CLICKED;
                default -> null;
            };
            try {
                if (gate != null) {
                    gate.await(120, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    };

    /** The text of column `n` (from 1) of the latency table, a row per stage. */
    private static List<Object> latencyColumn(int n) {
        @SuppressWarnings("unchecked")
        List<Object> cells = (List<Object>) js("return Array.from(document.querySelectorAll('#latency tbody tr td:nth-child(" + n
                + ")')).map(function (c) { return c.textContent; })");
        return cells;
    }

    /** The largest live-sequences fill the page has charted for the worker. */
    private static double batchFillMax() {
        return number("return Math.max.apply(null, window.longhaul.series.batch['browser-worker'].sequences)");
    }

    /** A job of two tasks, a summary and an extraction: their branches decode in one batch. */
    private static void submit(String id, String body) throws Exception {
        cluster.submitter.submit(JobSpec.of(DocumentKind.TEXT, List.of(MixedJobs.summarize(), MixedJobs.extract("subject")))
                        .withJobId(id),
                DocumentSource.stream(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), id));
    }

    /** The state the page's job table shows for the job, or null while it has no row. */
    private static String rowState(String jobId) {
        Object s = js("var r = document.querySelector('tr[data-job-id=\"' + arguments[0] + '\"]'); return r ? r.dataset.state : null;", jobId);
        return s == null ? null : s.toString();
    }

    /** A data- attribute of the job's row, or null while it has no row. */
    private static String rowData(String jobId, String name) {
        Object s = js("var r = document.querySelector('tr[data-job-id=\"' + arguments[0] + '\"]'); return r ? r.dataset[arguments[1]] : null;",
                jobId, name);
        return s == null ? null : s.toString();
    }

    /** Clicks the row's cancel button. */
    private static void clickCancel(String jobId) {
        click("button.cancel[data-job-id='" + jobId + "']");
    }

    /** Clicks the button; the table is redrawn on every push, so a stale button is found again. */
    private static void click(String css) {
        waitFor("a click on " + css, d -> {
            try {
                d.findElement(By.cssSelector(css)).click();
                return true;
            } catch (StaleElementReferenceException e) {
                return false;
            }
        });
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private static double number(String script) {
        Object v = js(script);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    /** Waits for the condition; on timeout the message says what the page and the model showed. */
    private static void waitFor(String what, Function<WebDriver, Boolean> condition) {
        new WebDriverWait(browser, PATIENCE, Duration.ofMillis(200))
                .withMessage(() -> what + "; page errors " + js("return JSON.stringify(window.longhaul.errors)")
                        + ", cancelled " + js("return JSON.stringify(window.longhaul.cancelled)")
                        + ", jobs " + dashboard.throughput().snapshot().jobs())
                .until(condition::apply);
    }

    private static Optional<Path> onPath(String... names) {
        String path = System.getenv("PATH");
        for (String name : names) {
            for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (!dir.isEmpty() && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }
}
