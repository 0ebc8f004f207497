/*
 * What the miner reports beyond templates: the header is split off without knowing the format
 * (syslog, bracketed, flag-led fixed columns, bar-separated), levels are counted, timestamps are
 * kept as written, error bursts and late templates are found, and the summary round-trips
 * through JSON.
 */
package dev.longhaul.pipeline.analyze.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogTemplateSummaryTest {

    @Test
    void syslogHeaderEndsAtTheComponent() {
        LogHeader header = LogHeader.learn(repeat(i -> "Jun " + (10 + i % 9) + " 15:16:0" + i % 10
                + " combo sshd(pam_unix)[" + (1900 + i) + "]: " + (i % 2 == 0 ? "check pass; user unknown" : "session closed for user root")));
        LogHeader.Split split = header.split("Jun 19 04:09:11 combo syslogd 1.4.1: restart.");
        assertEquals("1.4.1: restart.", split.content(), "a component without a colon of its own keeps the usual cut");
        LogHeader.Split ssh = header.split("Jul  1 10:56:44 combo sshd(pam_unix)[19939]: check pass; user unknown");
        assertEquals("check pass; user unknown", ssh.content());
        assertEquals("Jul 1 10:56:44", ssh.timestamp());
        assertNull(ssh.level());
    }

    @Test
    void aFieldOfLongPunctuationRunsIsReadInLinearTime() {
        assertEquals("ERROR", LogHeader.bare("[error]:"));
        assertEquals("MAIN", LogHeader.bare("<(main)>,"));
        assertEquals("", LogHeader.bare("(("));
        assertEquals("", LogHeader.bare("))"));
        assertEquals(":(", LogHeader.bare(":("), "a trailing '(' is no closing bracket");
        LogHeader header = LogHeader.learn(repeat(i -> "2016-09-28 04:30:3" + i % 10 + " INFO main: started " + i));
        // a line of 64K colons: the old edge pattern tried a run from each of its positions
        // (quadratic, seconds a line); the bound only catches a return to that, with ample slack
        String colons = ":".repeat(65_000) + "x";
        // and a date-like field that `.` cannot cross (U+0085): .*X.* backtracked over every match of X
        String nel = "1:".repeat(30_000) + "1\u0085" + "2";
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            for (int k = 0; k < 20; k++) {
                header.split(colons);
            }
            LogHeader.learn(repeat(i -> nel + " x" + i));
        });
    }

    @Test
    void bracketedHeaderGivesLevelAndTimestamp() {
        LogHeader header = LogHeader.learn(repeat(i -> "[Sun Dec 04 04:47:4" + i % 10 + " 2005] ["
                + (i % 3 == 0 ? "error" : "notice") + "] " + (i % 2 == 0 ? "jk2_init() Found child " + i + " in scoreboard slot 7"
                        : "workerEnv.init() ok /etc/httpd/conf/workers2.properties")));
        LogHeader.Split split = header.split("[Sun Dec 04 04:51:08 2005] [error] mod_jk child workerEnv in error state 6");
        assertEquals("mod_jk child workerEnv in error state 6", split.content());
        assertEquals("ERROR", split.level());
        assertEquals("Sun Dec 04 04:51:08 2005", split.timestamp());
    }

    @Test
    void flagColumnThatIsSometimesAWordStaysInTheHeader() {
        LogHeader header = LogHeader.learn(repeat(i -> (i % 4 == 0 ? "KERNDTLB" : "-") + " 11178385" + (10 + i)
                + " 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.6758" + (10 + i) + " R02-M1-N0-C:J12-U11 RAS KERNEL "
                + (i % 5 == 0 ? "FATAL" : "INFO") + (i % 2 == 0 ? " instruction cache parity error corrected" : " generating core." + i)));
        LogHeader.Split split = header.split("- 1117838573 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.53.276129 "
                + "R02-M1-N0-C:J12-U11 RAS KERNEL FATAL data TLB error interrupt");
        assertEquals("data TLB error interrupt", split.content());
        assertEquals("FATAL", split.level());
    }

    @Test
    void wordAfterTheLevelThatActsAsAComponentIsHeader() {
        String[] components = {"CBS", "CSI", "CBS", "TrustedInstaller"};
        String[] events = {"Loaded Servicing Stack v6.1.7601", "Ending TrustedInstaller initialization.",
            "Starting the TrustedInstaller main loop.", "Session: 30546173_4261722401 initialized by client WindowsUpdateAgent."};
        LogHeader header = LogHeader.learn(repeat(i -> "2016-09-28 04:30:3" + i % 10 + ", Info                  "
                + components[i % 4] + "    " + events[(i / 4) % 4]));
        LogHeader.Split split = header.split("2016-09-28 04:30:31, Info                  CSI    Ending TrustedInstaller initialization.");
        assertEquals("Ending TrustedInstaller initialization.", split.content());
        assertEquals("INFO", split.level());
        assertEquals("2016-09-28 04:30:31", split.timestamp());
    }

    @Test
    void barSeparatedHeaderIsCutAtTheUsualBar() {
        LogHeader header = LogHeader.learn(repeat(i -> "20171223-22:15:29:" + (100 + i) + "|Step_LSC|30002312|onStandStepChanged " + i));
        assertEquals("onStandStepChanged 3579 | extra", header.split("20171223-22:15:29:606|Step_SPUtils|30002312|onStandStepChanged 3579 | extra").content());
    }

    @Test
    void aStackTraceAmongTheFirstLinesDoesNotHideTheHeader() {
        // 150 headed lines with a 22-frame exception every 40 lines: a quarter of the sample has no header
        List<String> sample = new ArrayList<>();
        for (int i = 0; sample.size() < 200; i++) {
            sample.add("2023-10-01 12:00:" + (10 + i % 50) + ",123 " + (i % 7 == 0 ? "WARN" : "INFO") + " [main] c.e.App - step " + i);
            if (i % 40 == 39) {
                sample.add("java.lang.IllegalStateException: step " + i + " failed");
                for (int f = 0; f < 22; f++) {
                    sample.add("\tat com.example.Foo.bar" + f + "(Foo.java:" + (40 + f) + ")");
                }
            }
        }
        LogHeader header = LogHeader.learn(sample);
        LogHeader.Split split = header.split("2023-10-01 12:00:42,123 ERROR [main] c.e.App - disk full");
        assertEquals("ERROR", split.level());
        assertEquals("2023-10-01 12:00:42,123", split.timestamp());
        // and a frame is all content
        assertEquals(null, header.split("\tat com.example.Foo.bar(Foo.java:42)").level());
    }

    @Test
    void barSeparatedFieldsWithSpacesAroundTheBarsGiveTheirLevelAndTimestamp() {
        // loguru's default format, and Python's "%(asctime)s | %(levelname)-8s | ..."
        String[] levels = {"DEBUG   ", "INFO    ", "WARNING ", "ERROR   "};
        LogHeader header = LogHeader.learn(repeat(i -> "2018-12-09 11:23:5" + i % 10 + ".984 | " + levels[i % 4]
                + " | __main__:<module>:" + i + " - message " + i));
        LogHeader.Split split = header.split("2018-12-09 11:23:55.984 | ERROR    | __main__:<module>:1 - disk full");
        assertEquals("ERROR", split.level());
        assertEquals("2018-12-09 11:23:55.984", split.timestamp());
        assertEquals("__main__:<module>:1 - disk full", split.content());
    }

    @Test
    void reportsLevelsBurstsAndLateTemplates() {
        // Given 2,000 lines at 1% errors, 100 lines of errors in the middle and a new event at the end
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            boolean burst = i >= 1000 && i < 1100;
            String level = burst || i % 100 == 0 ? "ERROR" : "INFO";
            String content = i >= 1900 ? "Shutdown hook called" : burst ? "Exception in task " + i : "Finished task " + i + " in stage 2";
            lines.add("17/06/09 20:10:" + (10 + i % 50) + " " + level + " executor.Executor: " + content);
        }
        LogTemplateMiner miner = new LogTemplateMiner(LogTemplateConfig.defaults());
        lines.forEach(miner::accept);
        // When the stream ends
        LogSummary summary = miner.finish();
        // Then levels, the burst and the late template are reported
        assertEquals(Map.of("ERROR", 119L, "INFO", 1881L), summary.levels());
        assertEquals("level", summary.errorBasis());
        assertEquals(1, summary.errorBursts().size(), summary.errorBursts().toString());
        LogSummary.ErrorBurst burst = summary.errorBursts().get(0);
        assertEquals(1001, burst.firstLine());
        assertEquals(1100, burst.lastLine());
        // (the burst's own event first appears in the second half too)
        assertEquals(List.of("Exception in task <*>", "Shutdown hook called"),
                summary.newTemplates().stream().map(LogSummary.NewTemplate::template).toList());
        assertEquals(1901, summary.newTemplates().get(1).firstLine());
        assertEquals("17/06/09 20:10:10", summary.firstTimestamp());
    }

    @Test
    void summaryRoundTripsThroughJson() throws Exception {
        LogTemplateMiner miner = new LogTemplateMiner(LogTemplateConfig.defaults());
        repeat(i -> "081109 2036" + (10 + i % 50) + " 148 " + (i % 7 == 0 ? "WARN" : "INFO")
                + " dfs.DataNode$PacketResponder: PacketResponder " + i % 3 + " for block blk_" + (38865049064L + i) + " terminating")
                .forEach(miner::accept);
        LogSummary summary = miner.finish();
        ObjectMapper json = new ObjectMapper();
        String text = json.writeValueAsString(summary);
        assertEquals(summary, json.readValue(text, LogSummary.class));
        assertTrue(text.contains("\"template\":\"PacketResponder <*> for block blk_<*> terminating\""), text);
    }

    private static List<String> repeat(java.util.function.IntFunction<String> line) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            out.add(line.apply(i));
        }
        return out;
    }
}
