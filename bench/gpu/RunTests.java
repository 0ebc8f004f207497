/*
 * A JUnit launcher for machines without Maven (bench/gpu/device.sh on a lent GPU machine): runs the
 * named test classes, prints one line per test with its outcome and every failure's stack trace,
 * then a summary. Exit status 0 only when at least one test ran and no test or class failed or
 * was skipped (a GPU run must not pass by skipping).
 *   java -cp ... RunTests CLASS...
 */
import java.io.PrintWriter;
import java.util.Arrays;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

public final class RunTests {
    public static void main(String[] args) {
        for (String name : args) { // a misspelt class would otherwise be dropped from the run
            try {
                Class.forName(name, false, RunTests.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                System.out.println("RunTests: no test class " + name);
                System.exit(2);
            }
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(Arrays.stream(args).map(DiscoverySelectors::selectClass).toList())
                .build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                System.out.println("SKIPPED " + test.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (!test.isTest() && result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                    return;
                }
                String where = test.getUniqueId().replaceAll(".*\\[class:([^\\]]*)\\].*", "$1");
                System.out.println(result.getStatus() + " " + where + " " + test.getDisplayName()
                        + result.getThrowable().map(t -> ": " + t).orElse(""));
                result.getThrowable().ifPresent(t -> t.printStackTrace(System.out));
            }
        };
        LauncherFactory.create().execute(request, summary, lines);
        var s = summary.getSummary();
        s.printTo(new PrintWriter(System.out));
        // a class skipped or aborted as a whole (@Disabled, a failed assumption in @BeforeAll) counts too
        boolean ok = s.getTestsSucceededCount() > 0 && s.getTotalFailureCount() == 0
                && s.getTestsSkippedCount() == 0 && s.getTestsAbortedCount() == 0
                && s.getContainersSkippedCount() == 0 && s.getContainersAbortedCount() == 0;
        System.out.println(ok ? "RunTests: PASS" : "RunTests: FAIL");
        System.exit(ok ? 0 : 1);
    }
}
