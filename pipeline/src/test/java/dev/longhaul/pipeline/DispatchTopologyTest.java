/*
 * The Dispatch stage on the production topology: no lanes without fresh heartbeats, cancel and
 * deadline expiry while held, release order (priority, then earliest deadline, then tenant fair
 * share, then arrival), and lane balancing by outstanding cost under the window.
 */
package dev.longhaul.pipeline;

import static dev.longhaul.pipeline.PipelineDriver.T0;
import static dev.longhaul.pipeline.PipelineDriver.submission;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.longhaul.pipeline.dispatch.LaneDispatcher;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

class DispatchTopologyTest {

    @Test
    void ordersWaitUntilAFreshHeartbeatNamesALane() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.submit(submission("job-1", "acme", 250));
            assertEquals(List.of("job-1 ACCEPTED", "job-1 QUEUED"), p.statuses());
            assertTrue(p.work.isEmpty());
            // a heartbeat older than the lane timeout does not make lane 0 usable
            p.heartbeat("w0", List.of(0), 0, T0.minus(Duration.ofSeconds(31)));
            assertTrue(p.work.isEmpty());
            assertTrue(p.status.isEmpty());
            // a fresh one for lane 1 does
            p.heartbeat("w1", List.of(1), 0, T0);
            assertEquals(List.of("job-1 QUEUED lane=1"), p.statuses());
            assertEquals(List.of(1), lanes(p));
        }
    }

    @Test
    void cancelWhileHeldCancelsAndTheOrderNeverReachesWork() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.submit(submission("job-c", "acme", 250));
            p.cancel("job-c");
            p.heartbeat("w0", List.of(0), 0, T0);
            assertEquals(List.of("job-c ACCEPTED", "job-c QUEUED", "job-c CANCELLED cancelled while queued"), p.statuses());
            assertTrue(p.work.isEmpty());
        }
    }

    @Test
    void aPriorityChangeWhileQueuedReordersTheQueueAndTravelsWithTheOrder() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.submit(job("a", "acme", 5, null));
            p.submit(job("b", "acme", 0, null));
            p.submit(job("c", "acme", 3, null));
            p.statuses();
            p.control("b", ControlAction.SET_PRIORITY, 9);
            p.control("a", ControlAction.SET_PRIORITY, 1);
            p.control("c", ControlAction.SET_PRIORITY, 3); // unchanged: no status
            assertEquals(List.of("b QUEUED priority=9", "a QUEUED priority=1"), p.statuses());
            p.heartbeat("w0", List.of(0), 0, T0);
            List<WorkOrder> orders = p.work.readValuesToList();
            assertEquals(List.of("b", "c", "a"), orders.stream().map(o -> o.getRequest().getJobId()).toList());
            assertEquals(List.of(9, 3, 1), orders.stream().map(o -> o.getRequest().getPriority()).toList());
            p.statuses();
            // released: a change now is too late and says nothing
            p.control("a", ControlAction.SET_PRIORITY, 7);
            p.control("a", ControlAction.PAUSE, null);
            assertEquals(List.of(), p.statuses().stream().filter(l -> l.startsWith("a ")).toList());
        }
    }

    @Test
    void aPausedOrderWaitsWhileOthersGoAndGoesWhenResumed() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.submit(job("a", "acme", 9, null));
            p.submit(job("b", "acme", 0, null));
            p.control("a", ControlAction.PAUSE, null);
            p.control("a", ControlAction.PAUSE, null); // already paused: no status
            p.control("a", ControlAction.SET_PRIORITY, 8);
            assertEquals(List.of("a ACCEPTED", "a QUEUED", "b ACCEPTED", "b QUEUED", "a QUEUED paused", "a QUEUED paused; priority=8"),
                    p.statuses(), "the latest status of a paused job still says it is paused");
            p.heartbeat("w0", List.of(0), 0, T0);
            assertEquals(List.of("b"), jobIds(p), "the paused order went ahead of nothing, though its priority is higher");
            p.advance(Duration.ofSeconds(5));
            assertEquals(List.of(), jobIds(p), "the punctuation releases no paused order either");
            p.control("a", ControlAction.RESUME, null);
            assertEquals(List.of("a"), jobIds(p));
            assertTrue(p.statuses().containsAll(List.of("a QUEUED resumed", "a QUEUED lane=0")));
        }
    }

    @Test
    void aPausedJobsOrderHandedBackByItsWorkerIsHeldPausedAndGoesAgainWhenResumedWithItsNewPriority() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(job("a", "acme", 2, null));
            List<WorkOrder> first = p.work.readValuesToList();
            assertEquals(List.of("a"), first.stream().map(o -> o.getRequest().getJobId()).toList());
            assertEquals(p.now(), first.get(0).getReleasedAt(), "the order names its release");
            p.statuses();
            // given a running job paused and given a new priority (its worker reads the pause itself)
            p.control("a", ControlAction.PAUSE, null);
            p.control("a", ControlAction.SET_PRIORITY, 6);
            assertEquals(List.of(), p.statuses(), "the worker, not the dispatcher, says what became of a released order");
            // when its worker hands the order back
            p.handedBack(first.get(0));
            p.advance(Duration.ofSeconds(5));
            // then it is held, paused, though its lane is free
            assertEquals(List.of(), jobIds(p));
            p.submit(job("b", "acme", 0, null));
            assertEquals(List.of("b"), jobIds(p), "the lane it left takes other work");
            p.finished("b", "acme", JobState.SUCCEEDED, "b-s1");
            p.statuses();
            // and a RESUME releases it again, the same submission with the priority set while it ran
            p.control("a", ControlAction.RESUME, null);
            List<WorkOrder> again = p.work.readValuesToList();
            assertEquals(List.of("a-s1"), again.stream().map(o -> o.getRequest().getSubmissionId()).toList());
            assertEquals(6, again.get(0).getRequest().getPriority());
            assertTrue(again.get(0).getReleasedAt().isAfter(first.get(0).getReleasedAt()), "a new release");
            assertEquals(List.of("a QUEUED resumed", "a QUEUED lane=0"), p.statuses());
            // a hand-back naming the first release (its status written again) leaves the second in flight
            p.handedBack(first.get(0));
            p.control("a", ControlAction.RESUME, null);
            assertEquals(List.of(), jobIds(p), "the release in flight was taken back by an earlier one's hand-back");
            // and the second release's hand-back, said twice, holds it once
            p.control("a", ControlAction.PAUSE, null);
            p.handedBack(again.get(0));
            p.handedBack(again.get(0));
            p.control("a", ControlAction.RESUME, null);
            assertEquals(List.of("a"), jobIds(p));
        }
    }

    @Test
    void aStoppedWorkersLateTickDoesNotMakeAPausedJobReadRunningNorAnOldHandBackAResumedOneReadPaused() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(job("a", "acme", 0, null));
            WorkOrder first = p.work.readValuesToList().get(0);
            var table = p.driver.<String, dev.longhaul.schemas.JobStatus>getKeyValueStore(
                    dev.longhaul.pipeline.status.JobStatusQuery.STATUS_STORE);
            p.tick(first, 0.2);
            p.control("a", ControlAction.PAUSE, null);
            p.handedBack(first);
            p.statuses();
            // a tick of a worker that lost the lane and had not yet heard of the pause lands after the hand-back
            p.tick(first, 0.3);
            assertTrue(dev.longhaul.schemas.JobStates.handedBack(table.get("a")), "paused, not RUNNING: " + table.get("a"));
            List<String> written = p.statuses();
            assertTrue(written.getLast().startsWith("a QUEUED paused; stopped on its worker"), "restored after the tick: " + written);
            assertEquals(List.of(), jobIds(p), "the hand-back written again holds nothing twice");
            // and after the dispatcher's own status of the order held again, as well
            p.control("a", ControlAction.SET_PRIORITY, 5);
            assertEquals(List.of("a QUEUED paused; priority=5"), p.statuses());
            p.tick(first, 0.35);
            assertEquals("paused; priority=5", table.get("a").getReason());
            assertEquals(List.of("a QUEUED paused; priority=5"), p.statuses(), "restored after the tick");
            // resumed, released anew and running: an old hand-back's copy or tick landing now is stale
            p.control("a", ControlAction.RESUME, null);
            WorkOrder second = p.work.readValuesToList().get(0);
            assertTrue(second.getReleasedAt().isAfter(first.getReleasedAt()));
            p.tick(first, 0.45); // still before the new release's first tick
            assertEquals("lane=0", table.get("a").getReason(), "released again, not RUNNING the run handed back");
            p.tick(second, 0.1);
            p.handedBack(first);
            p.tick(first, 0.4);
            assertEquals(JobState.RUNNING, table.get("a").getState());
            assertEquals(second.getReleasedAt(), table.get("a").getRelease());
            assertEquals(0.1, table.get("a").getProgress());
            assertEquals(List.of(), jobIds(p));
            p.finished("a", "acme", JobState.SUCCEEDED, "a-s1");
            assertEquals(JobState.SUCCEEDED, table.get("a").getState());
        }
    }

    @Test
    void aHandBackBeforeItsPauseReachesTheDispatcherIsHeldPausedAndOneAfterAResumeGoesAtOnce() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(job("a", "acme", 0, null));
            p.submit(job("b", "acme", 0, null));
            List<WorkOrder> released = p.work.readValuesToList();
            assertEquals(List.of("a", "b"), released.stream().map(o -> o.getRequest().getJobId()).toList());
            p.statuses();
            // the worker read a's PAUSE before the dispatcher did: a is held paused all the same
            p.handedBack(released.get(0));
            p.control("a", ControlAction.PAUSE, null);
            p.advance(Duration.ofSeconds(5));
            assertEquals(List.of(), jobIds(p));
            assertEquals(List.of(), p.statuses(), "the PAUSE that followed finds it paused already");
            // b was paused and resumed while it ran, and its worker handed it back in between
            p.control("b", ControlAction.PAUSE, null);
            p.control("b", ControlAction.RESUME, null);
            p.handedBack(released.get(1));
            assertEquals(List.of("b"), jobIds(p), "resumed already: released again at once");
            assertEquals(List.of("b QUEUED resumed", "b QUEUED lane=0"), p.statuses());
            // a hand-back of another life of the id, or of a job not in flight, changes nothing
            p.handedBack(WorkOrder.newBuilder(released.get(1)).setRequest(JobRequest.newBuilder(released.get(1).getRequest())
                    .setSubmissionId("b-another-life").build()).build());
            p.handedBack(WorkOrder.newBuilder(released.get(1)).setRequest(JobRequest.newBuilder(released.get(1).getRequest())
                    .setJobId("nobody").build()).build());
            assertEquals(List.of(), jobIds(p));
            p.statuses(); // (the status table restores b's latest status over the other life's)
            p.control("a", ControlAction.RESUME, null);
            assertEquals(List.of("a"), jobIds(p));
            assertEquals(List.of("a QUEUED resumed", "a QUEUED lane=0"), p.statuses());
        }
    }

    @Test
    void aCancelThatReachesTheDispatcherWhileTheOrderIsHandedBackCancelsTheJob() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(job("a", "acme", 0, null));
            List<WorkOrder> released = p.work.readValuesToList();
            p.statuses();
            // the worker handed a back on its PAUSE before it read the CANCEL that followed
            p.control("a", ControlAction.PAUSE, null);
            p.cancel("a");
            p.handedBack(released.get(0));
            assertEquals(List.of("a CANCELLED cancelled while its worker handed it back, paused"), p.statuses());
            p.control("a", ControlAction.RESUME, null);
            assertEquals(List.of(), jobIds(p));
        }
    }

    @Test
    void commandsStillReachAnOrderHeldLongerThanThePlannerRemembersItsJob() {
        try (PipelineDriver p = new PipelineDriver(PipelineDriver.withRetention(Duration.ofHours(1)))) {
            p.submit(job("a", "acme", 0, null));
            p.submit(job("b", "acme", 0, null));
            p.control("a", ControlAction.PAUSE, null);
            p.control("b", ControlAction.PAUSE, null);
            // given paused jobs held for longer than the planner keeps a planned job's plan
            p.advance(Duration.ofMinutes(61));
            p.heartbeat("w0", List.of(0), 0, p.now());
            assertEquals(List.of(), jobIds(p));
            p.statuses();
            // then a RESUME still releases one, and a CANCEL still ends the other
            p.control("a", ControlAction.RESUME, null);
            assertEquals(List.of("a"), jobIds(p));
            p.cancel("b");
            assertTrue(p.statuses().contains("b CANCELLED cancelled while queued"));
            p.finished("a", "acme", JobState.SUCCEEDED, "a-s1");
            p.control("b", ControlAction.RESUME, null);
            assertEquals(List.of(), jobIds(p));
        }
    }

    @Test
    void commandsStillReachAnOrderHeldLongerThanThePlannerRemembersAfterANewSubmissionOfItsIdFailed() {
        try (PipelineDriver p = new PipelineDriver(PipelineDriver.withRetention(Duration.ofHours(1)))) {
            // given a paused job held for longer than the planner keeps its plan
            p.submit(submission("a", "acme", PipelineDriver.text("a", 250), 100, "a-s1"));
            p.submit(submission("b", "acme", PipelineDriver.text("b", 250), 100, "b-s1"));
            p.control("a", ControlAction.PAUSE, null);
            p.control("b", ControlAction.PAUSE, null);
            p.advance(Duration.ofMinutes(61));
            // when a new submission of each id fails before planning (a request without tasks)
            for (String id : List.of("a", "b")) {
                var bad = submission(id, "acme", PipelineDriver.text(id, 300), 100, id + "-s2");
                p.submit(bad.withRequest(JobRequest.newBuilder(bad.request()).setTasks(List.of()).build()));
            }
            p.statuses();
            // then a RESUME still releases the first order held, and a CANCEL still ends the second
            p.heartbeat("w0", List.of(0), 0, p.now());
            p.control("a", ControlAction.RESUME, null);
            assertEquals(List.of("a"), jobIds(p));
            assertEquals(List.of("a QUEUED resumed", "a QUEUED lane=0"), p.statuses());
            p.cancel("b");
            assertEquals(List.of("b CANCELLED cancelled while queued"), p.statuses());
        }
    }

    @Test
    void anOrderReleasedWithoutACopyKeptFailsSayingWhyWhenHandedBack() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(job("a", "acme", 0, null));
            WorkOrder order = p.work.readValuesToList().get(0);
            p.statuses();
            // given an order in flight as an earlier dispatcher released it: no copy kept, no release named
            p.driver.getKeyValueStore(LaneDispatcher.RELEASED_STORE).delete("a");
            p.control("a", ControlAction.PAUSE, null);
            p.handedBack(WorkOrder.newBuilder(order).setReleasedAt(Instant.EPOCH).build());
            List<String> statuses = p.statuses();
            assertEquals(1, statuses.size(), statuses.toString());
            assertTrue(statuses.get(0).startsWith("a FAILED paused while it ran, and its order was released by an earlier version"),
                    statuses.toString());
        }
    }

    @Test
    void aTenantWhoseOrdersWerePausedComesBackAtTheFairShareClockWhenResumed() {
        var config = PipelineDriver.CONFIG.withDispatch(new PipelineConfig.Dispatch(2, 1, Duration.ofSeconds(30), Duration.ofSeconds(1)));
        try (PipelineDriver p = new PipelineDriver(config)) {
            // tenant-b's orders are paused before any lane exists; then tenant-a is served alone
            for (String job : List.of("b0", "b1", "b2")) {
                p.submit(submission(job, "tenant-b", 250));
                p.control(job, ControlAction.PAUSE, null);
            }
            p.heartbeat("w0", List.of(0), 0, T0);
            for (String job : List.of("a1", "a2", "a3", "a4")) {
                p.submit(submission(job, "tenant-a", 250));
                assertEquals(List.of(job), jobIds(p));
                if (!job.equals("a4")) {
                    p.finished(job, "tenant-a", JobState.SUCCEEDED);
                }
            }
            p.submit(submission("a5", "tenant-a", 250));
            p.submit(submission("a6", "tenant-a", 250));
            for (String job : List.of("b0", "b1", "b2")) {
                p.control(job, ControlAction.RESUME, null);
            }
            p.finished("a4", "tenant-a", JobState.SUCCEEDED);
            List<String> order = new ArrayList<>(jobIds(p));
            while (order.size() < 5) {
                String last = order.getLast();
                p.finished(last, last.startsWith("a") ? "tenant-a" : "tenant-b", JobState.SUCCEEDED);
                order.addAll(jobIds(p));
            }
            // b came back at a's count (252), not at the 0 it had while paused, so they take
            // turns; counted from 0, b0, b1 and b2 would all have gone before a5
            assertEquals(List.of("b0", "a5", "b1", "a6", "b2"), order);
        }
    }

    @Test
    void aPausedOrderStillExpiresAtItsDeadline() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.submit(job("a", "acme", 0, T0.plusSeconds(5)));
            p.control("a", ControlAction.PAUSE, null);
            p.statuses();
            p.advance(Duration.ofSeconds(6));
            assertEquals(List.of("a EXPIRED deadline 2030-01-01T00:00:05Z passed before dispatch"), p.statuses());
            p.control("a", ControlAction.RESUME, null);
            p.heartbeat("w0", List.of(0), 0, p.now());
            assertTrue(p.work.isEmpty());
        }
    }

    /**
     * A job paused while it ran is handed back saying so: held paused past its deadline it does not
     * expire (it met it: a deadline is when a job must start), and released again it says it had
     * started. One handed back unrun still expires.
     */
    @Test
    void aJobHandedBackAfterItsRunStartedDoesNotExpireWhilePausedPastItsDeadline() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w0", List.of(0, 1), 0, T0);
            p.submit(job("a", "acme", 0, T0.plusSeconds(5)));
            p.submit(job("b", "acme", 0, T0.plusSeconds(5)));
            List<WorkOrder> first = p.work.readValuesToList();
            assertEquals(List.of("a", "b"), first.stream().map(o -> o.getRequest().getJobId()).toList());
            p.control("a", ControlAction.PAUSE, null);
            p.control("b", ControlAction.PAUSE, null);
            p.handedBack(first.get(0), true);
            p.handedBack(first.get(1), false);
            p.statuses();
            // when the deadline passes while both are held, paused
            p.advance(Duration.ofSeconds(6));
            p.heartbeat("w0", List.of(0, 1), 0, p.now());
            // then only the one that never started expires
            assertEquals(List.of("b EXPIRED deadline 2030-01-01T00:00:05Z passed before dispatch"), p.statuses());
            // and the other, resumed, goes again saying it had started
            p.control("a", ControlAction.RESUME, null);
            List<WorkOrder> again = p.work.readValuesToList();
            assertEquals(List.of("a"), again.stream().map(o -> o.getRequest().getJobId()).toList());
            assertTrue(again.get(0).getStarted());
            assertEquals(T0.plusSeconds(5), again.get(0).getRequest().getDeadline(), "its deadline is kept, for the release order");
        }
    }

    @Test
    void aPauseOrPriorityChangeDuringTheUploadAppliesToTheOrderPlanned() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w0", List.of(0), 0, T0);
            var s = submission("job-u", "acme", 250);
            p.documents.pipeInput("job-u", s.chunks().get(0));
            p.control("job-u", ControlAction.PAUSE, null);
            p.control("job-u", ControlAction.SET_PRIORITY, 4);
            for (var chunk : s.chunks().subList(1, s.chunks().size())) {
                p.documents.pipeInput("job-u", chunk);
            }
            p.jobs.pipeInput("job-u", s.request());
            assertEquals(List.of("job-u ACCEPTED", "job-u QUEUED paused"), p.statuses());
            assertTrue(p.work.isEmpty());
            p.control("job-u", ControlAction.RESUME, null);
            List<WorkOrder> orders = p.work.readValuesToList();
            assertEquals(1, orders.size());
            assertEquals(4, orders.getFirst().getRequest().getPriority());
        }
    }

    @Test
    void aSetPriorityWithoutAPriorityIsADeadLetterAndCommandsForUnknownOrFinalJobsChangeNothing() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.submit(submission("job-x", "acme", 250));
            p.cancel("job-x");
            p.statuses();
            p.control("job-x", ControlAction.SET_PRIORITY, null);
            var letters = p.deadLetters.readValuesToList();
            assertEquals(1, letters.size());
            assertEquals("INVALID_REQUEST", letters.getFirst().getReasonCode());
            assertTrue(letters.getFirst().getDetail().contains("names no priority"), letters.getFirst().getDetail());
            p.control("job-x", ControlAction.RESUME, null);
            assertEquals(List.of(), p.statuses(), "a command for a job in a final state changes nothing");
            p.control("nobody", ControlAction.PAUSE, null);
            p.submit(submission("nobody", "acme", 250)); // a pause before anything of the job arrived is not kept
            p.heartbeat("w0", List.of(0), 0, T0);
            assertEquals(List.of("nobody"), jobIds(p));
            assertTrue(p.deadLetters.isEmpty());
        }
    }

    @Test
    void aHeldOrderPastItsDeadlineExpiresAndIsNeverDispatched() {
        try (PipelineDriver p = new PipelineDriver()) {
            var s = submission("job-e", "acme", 250);
            p.submit(s.withRequest(JobRequest.newBuilder(s.request()).setDeadline(T0.plusSeconds(5)).build()));
            p.advance(Duration.ofSeconds(4));
            assertEquals(List.of("job-e ACCEPTED", "job-e QUEUED"), p.statuses());
            p.advance(Duration.ofSeconds(2));
            assertEquals(List.of("job-e EXPIRED deadline 2030-01-01T00:00:05Z passed before dispatch"), p.statuses());
            p.heartbeat("w0", List.of(0), 0, p.now());
            assertTrue(p.work.isEmpty());
            assertTrue(p.status.isEmpty());
        }
    }

    @Test
    void higherPriorityGoesFirstThenTheEarliestDeadline() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.submit(job("a", "acme", 0, null));
            p.submit(job("b", "acme", 5, T0.plus(Duration.ofHours(2))));
            p.submit(job("c", "acme", 5, T0.plus(Duration.ofHours(1))));
            p.submit(job("d", "acme", 5, null));
            p.submit(job("e", "acme", 9, T0.plus(Duration.ofHours(3))));
            p.heartbeat("w0", List.of(0), 0, T0);
            assertEquals(List.of("e", "c", "b", "d", "a"), jobIds(p));
        }
    }

    @Test
    void theTenantServedFewerTokensGoesBeforeAnEarlierArrival() {
        // a window of one token: a lane takes one order at a time
        var config = PipelineDriver.CONFIG.withDispatch(new PipelineConfig.Dispatch(2, 1, Duration.ofSeconds(30), Duration.ofSeconds(1)));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.submit(submission("a1", "tenant-a", 250));
            p.submit(submission("a2", "tenant-a", 250));
            p.submit(submission("b1", "tenant-b", 250));
            p.heartbeat("w0", List.of(0), 0, T0);
            assertEquals(List.of("a1"), jobIds(p));
            p.finished("a1", "tenant-a", JobState.SUCCEEDED);
            assertEquals(List.of("b1"), jobIds(p), "tenant-b has been served 0 tokens, tenant-a 63");
            p.finished("b1", "tenant-b", JobState.SUCCEEDED);
            assertEquals(List.of("a2"), jobIds(p));
        }
    }

    @Test
    void aTenantComingBackIsOwedNothingForWhileItWasAwayAndTakesTurnsWithTheOthers() {
        // a window of one token: a lane takes one order at a time
        var config = PipelineDriver.CONFIG.withDispatch(new PipelineConfig.Dispatch(2, 1, Duration.ofSeconds(30), Duration.ofSeconds(1)));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.heartbeat("w0", List.of(0), 0, T0);
            // tenant-a is served alone for a while: 4 orders of 63 tokens, each released alone
            for (String job : List.of("a1", "a2", "a3", "a4")) {
                p.submit(submission(job, "tenant-a", 250));
                assertEquals(List.of(job), jobIds(p));
                p.finished(job, "tenant-a", JobState.SUCCEEDED);
            }
            var served = p.driver.<String, Long>getKeyValueStore(LaneDispatcher.SERVED_STORE);
            assertEquals(252L, served.get("tenant-a"), "an order released alone adds its cost too");
            // tenant-b comes for the first time, and tenant-a comes back
            for (String job : List.of("b1", "b2", "b3")) {
                p.submit(submission(job, "tenant-b", 250));
            }
            p.submit(submission("a5", "tenant-a", 250));
            p.submit(submission("a6", "tenant-a", 250));
            List<String> order = new ArrayList<>(jobIds(p));
            while (order.size() < 5) {
                String last = order.getLast();
                p.finished(last, last.startsWith("a") ? "tenant-a" : "tenant-b", JobState.SUCCEEDED);
                order.addAll(jobIds(p));
            }
            // b1 found the lane free and went at once (b came in at a's count, 252, and is at 315
            // after it); a comes back at b's 315, so from then on they alternate, a tie going to
            // the earlier arrival. A lifetime count would have put every b order first: b was
            // "owed" the 252 tokens a had been served alone.
            assertEquals(List.of("b1", "b2", "a5", "b3", "a6"), order);
        }
    }

    @Test
    void anIdleTenantAtOrBelowTheFairShareClockIsForgottenAndOneServedMoreIsKept() {
        // a window of one token: a lane takes one order at a time
        var config = PipelineDriver.CONFIG.withDispatch(new PipelineConfig.Dispatch(2, 1, Duration.ofSeconds(30), Duration.ofSeconds(1)));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.heartbeat("w0", List.of(0), 0, T0);
            var served = p.driver.<String, Long>getKeyValueStore(LaneDispatcher.SERVED_STORE);
            // tenant-a is served one order of 63 tokens and goes; tenant-y comes in at the clock
            p.submit(submission("a1", "tenant-a", 250));
            assertEquals(List.of("a1"), jobIds(p));
            p.finished("a1", "tenant-a", JobState.SUCCEEDED);
            p.submit(submission("y1", "tenant-y", 250));
            assertEquals(List.of("y1"), jobIds(p));
            // tenant-x's large order (500 tokens) goes next, beside tenant-y's second, and ends
            p.submit(submission("x1", "tenant-x", 2000));
            p.submit(submission("y2", "tenant-y", 250));
            p.finished("y1", "tenant-y", JobState.SUCCEEDED);
            assertEquals(List.of("x1"), jobIds(p));
            p.finished("x1", "tenant-x", JobState.SUCCEEDED);
            assertEquals(List.of("y2"), jobIds(p));
            assertEquals(Long.valueOf(63), served.get("tenant-a"));
            assertEquals(Long.valueOf(626), served.get("tenant-x"));
            assertEquals(Long.valueOf(189), served.get("tenant-y"));
            assertEquals(Long.valueOf(189), served.get(""), "the clock: tenant-y's count, the only one active");
            // when the punctuation sweeps the counts
            p.advance(Duration.ofSeconds(2));
            // then idle tenant-a, below the clock, is forgotten (coming back it is raised to the clock
            // either way); idle tenant-x, served more than the clock, and active tenant-y are kept
            assertEquals(null, served.get("tenant-a"));
            assertEquals(Long.valueOf(626), served.get("tenant-x"));
            assertEquals(Long.valueOf(189), served.get("tenant-y"));
            assertEquals(Long.valueOf(189), served.get(""));
            // and tenant-a, back, starts at the clock as it would have with its count kept
            p.submit(submission("a2", "tenant-a", 250));
            p.finished("y2", "tenant-y", JobState.SUCCEEDED);
            assertEquals(List.of("a2"), jobIds(p));
            assertEquals(Long.valueOf(189 + 63), served.get("tenant-a"));
        }
    }

    @Test
    void aTenantStillQueuedKeepsItsShareWhenAnotherArrives() {
        var config = PipelineDriver.CONFIG.withDispatch(new PipelineConfig.Dispatch(2, 1, Duration.ofSeconds(30), Duration.ofSeconds(1)));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(submission("a1", "tenant-a", 250));
            p.submit(submission("a2", "tenant-a", 250));
            p.submit(submission("a3", "tenant-a", 250));
            assertEquals(List.of("a1"), jobIds(p));
            // tenant-b arrives while a is active (served 63): it starts at a's count, not below it
            p.submit(submission("b1", "tenant-b", 250));
            p.submit(submission("b2", "tenant-b", 250));
            p.finished("a1", "tenant-a", JobState.SUCCEEDED);
            assertEquals(List.of("a2"), jobIds(p), "equal counts (63, 63): the earlier arrival goes first");
            p.finished("a2", "tenant-a", JobState.SUCCEEDED);
            assertEquals(List.of("b1"), jobIds(p));
            p.finished("b1", "tenant-b", JobState.SUCCEEDED);
            assertEquals(List.of("a3"), jobIds(p));
        }
    }

    @Test
    void ordersGoToTheLeastLoadedLaneWhileItIsUnderTheWindow() {
        // each job costs 63 tokens; the window is 150
        var config = PipelineDriver.CONFIG.withDispatch(new PipelineConfig.Dispatch(2, 150, Duration.ofSeconds(30), Duration.ofSeconds(1)));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.heartbeat("w0", List.of(0), 100, T0);
            p.heartbeat("w1", List.of(1), 0, T0);
            for (String job : List.of("j1", "j2", "j3", "j4", "j5")) {
                p.submit(submission(job, "acme", 250));
            }
            // loads (lane0, lane1): (100, 0) -> j1 on 1; (100, 63) -> j2 on 1; (100, 126) -> j3 on 0;
            // (163, 126) -> j4 on 1; (163, 189): both at or over the window, j5 waits
            assertEquals(List.of(KeyValue.pair(1, "j1"), KeyValue.pair(1, "j2"), KeyValue.pair(0, "j3"), KeyValue.pair(1, "j4")), placed(p));
            // j1 finishing brings lane 1 to 126, under the window again
            p.finished("j1", "acme", JobState.SUCCEEDED);
            assertEquals(List.of(KeyValue.pair(1, "j5")), placed(p));
        }
    }

    @Test
    void aWorkerUnheardOfForTenLaneTimeoutsIsForgottenAndOrdersGoToTheLiveOnes() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("gone", List.of(0), 0, T0);
            p.heartbeat("live", List.of(1), 0, T0);
            // the lane timeout is 30 s: "live" keeps beating every 20 s, "gone" has stopped
            for (int i = 0; i < 16; i++) {
                p.advance(Duration.ofSeconds(20));
                p.heartbeat("live", List.of(1), 0, p.now());
            }
            var workers = p.driver.<String, dev.longhaul.schemas.WorkerHeartbeat>getKeyValueStore(
                    LaneDispatcher.WORKERS_STORE);
            assertEquals(null, workers.get("gone"), "a worker unheard of for 320 s (ten timeouts: 300 s) is forgotten");
            assertEquals("live", workers.get("live").getWorkerId());
            p.submit(submission("job-1", "acme", 250));
            assertEquals(List.of(KeyValue.pair(1, "job-1")), placed(p));
            // a forgotten worker that beats again is a live worker again
            p.heartbeat("gone", List.of(0), 0, p.now());
            assertEquals("gone", workers.get("gone").getWorkerId());
            // a report dated a day ahead is no lane, and is not kept until that day comes; one a
            // minute ahead (two timeouts: a skewed clock) is kept, to count once the day reaches it
            p.heartbeat("ahead", List.of(2), 0, p.now().plus(Duration.ofDays(1)));
            p.heartbeat("skewed", List.of(3), 0, p.now().plus(Duration.ofMinutes(1)));
            p.advance(Duration.ofSeconds(20));
            p.heartbeat("live", List.of(1), 0, p.now());
            assertEquals(null, workers.get("ahead"), "a report dated further ahead than ten timeouts is forgotten");
            assertEquals("skewed", workers.get("skewed").getWorkerId());
        }
    }

    @Test
    void ordersAWorkerHasNotPolledYetStillCountAgainstItsWindowAfterItsNextReport() {
        // each job costs 63 tokens; the window is 130
        var config = PipelineDriver.CONFIG.withDispatch(new PipelineConfig.Dispatch(2, 130, Duration.ofSeconds(30), Duration.ofSeconds(1)));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.heartbeat("w0", List.of(0), 0, T0);
            for (String job : List.of("j1", "j2", "j3", "j4", "j5")) {
                p.submit(submission(job, "acme", 250));
            }
            assertEquals(List.of("j1", "j2", "j3"), jobIds(p), "0, 63, 126 are under the window; 189 is not");
            // a second later w0 reports only the order it runs (it pauses its lane while busy, so
            // j2 and j3 sit unread in the partition): they still count
            p.advance(Duration.ofSeconds(1));
            p.heartbeat("w0", List.of(0), 63, p.now());
            assertTrue(p.work.isEmpty(), "w0 has 189 tokens outstanding, not 63");
            // so the held orders are still there for a worker that joins
            p.heartbeat("w1", List.of(1), 0, p.now());
            assertEquals(List.of(KeyValue.pair(1, "j4"), KeyValue.pair(1, "j5")), placed(p));
        }
    }

    @Test
    void aWorkerWithTwoLanesIsOneEngineAndItsOrdersSpreadOverItsLanes() {
        var config = PipelineDriver.CONFIG.withDispatch(new PipelineConfig.Dispatch(3, 1_000_000, Duration.ofSeconds(30), Duration.ofSeconds(1)));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.heartbeat("w0", List.of(0, 1), 0, T0);
            p.heartbeat("w1", List.of(2), 0, T0);
            for (String job : List.of("j1", "j2", "j3", "j4")) {
                p.submit(submission(job, "acme", 250));
            }
            // j1: all idle, lane 0; j2: w0 has 63, so w1's lane 2; j3: both have 63, and w0's
            // lane 1 has nothing queued; j4: w0 has 126 over lanes 0 and 1, w1 63. Counted per
            // lane, w0's two lanes would have looked like two idle engines.
            assertEquals(List.of(KeyValue.pair(0, "j1"), KeyValue.pair(2, "j2"), KeyValue.pair(1, "j3"), KeyValue.pair(2, "j4")),
                    placed(p));
        }
    }

    @Test
    void aTenantAtItsQuotaWaitsWhileOthersGoOn() {
        try (PipelineDriver p = new PipelineDriver(smallTenantQuota())) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(submission("s1", "small", 250));
            p.submit(submission("s2", "small", 250));
            p.submit(submission("o1", "other", 250));
            assertEquals(List.of("s1", "o1"), jobIds(p), "s2 would put tenant small at 126 tokens, over its 100");
            p.finished("s1", "small", JobState.FAILED);
            assertEquals(List.of("s2"), jobIds(p));
        }
    }

    @Test
    void aTenantsOrderWaitingForRoomInItsQuotaIsNotOvertakenByItsSmallerOnes() {
        try (PipelineDriver p = new PipelineDriver(smallTenantQuota())) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(job("s1", "small", 0, null));
            assertEquals(List.of("s1"), jobIds(p));
            // an urgent job that does not fit beside s1 (63 + 63 tokens, over 100), then a small one that would
            p.submit(job("urgent", "small", 5, null));
            var little = submission("little", "small", 80);
            p.submit(little);
            p.submit(submission("o1", "other", 250));
            assertEquals(List.of("o1"), jobIds(p), "little would fit, but not before urgent; other tenants go on");
            p.finished("s1", "small", JobState.SUCCEEDED);
            assertEquals(List.of("urgent", "little"), jobIds(p), "urgent first, then little beside it (63 + 20 tokens)");
        }
    }

    @Test
    void anOrderWhoseWorkerHasHeldNothingForTenLaneTimeoutsIsTakenAsLostAndFreesTheQuota() {
        // given a tenant whose quota holds one job, s1 released onto w0's lane and s2 waiting
        try (PipelineDriver p = new PipelineDriver(smallTenantQuota())) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(submission("s1", "small", 250));
            p.submit(submission("s2", "small", 250));
            assertEquals(List.of("s1"), jobIds(p));
            p.statuses();
            // when s1's final status never comes and w0 keeps reporting that it holds nothing
            // (the lane timeout is 30 s, so ten of them are 300 s)
            List<Integer> releasedAt = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (int s = 20; s <= 320; s += 20) {
                p.advance(Duration.ofSeconds(20));
                p.heartbeat("w0", List.of(0), 0, p.now());
                if (!jobIds(p).isEmpty()) {
                    releasedAt.add(s);
                }
                int at = s;
                p.statuses().stream().filter(st -> st.contains(" FAILED ")).forEach(st -> failed.add(at + " " + st));
            }
            // then s1 is taken as lost after 300 s, and s2 goes
            assertEquals(List.of(300), releasedAt);
            // and s1 ends FAILED, saying why, instead of reading QUEUED for ever
            assertEquals(1, failed.size(), failed::toString);
            assertTrue(failed.get(0).startsWith("300 s1 FAILED order lost: released onto lane 0 at "), failed::toString);
            assertTrue(failed.get(0).contains("whose worker w0 has held nothing since"), failed::toString);
        }
    }

    @Test
    void anOrderIsNotTakenAsLostWhileItsWorkerHoldsSomethingOrHasNotBeenIdleForTenLaneTimeouts() {
        try (PipelineDriver p = new PipelineDriver(smallTenantQuota())) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(submission("s1", "small", 250));
            p.submit(submission("s2", "small", 250));
            assertEquals(List.of("s1"), jobIds(p));
            // w0 runs s1 for ten minutes (it reports its cost), then holds nothing for 200 s,
            // then reports s1 again once (a retry), then nothing for 280 s, then goes silent
            // for 60 s (a restart under the same id) and holds nothing for 280 s more
            int s = 0;
            for (; s < 600; s += 20) {
                p.advance(Duration.ofSeconds(20));
                p.heartbeat("w0", List.of(0), 63, p.now());
            }
            for (int idle : new int[] {200, -1, 280, -60, 280}) {
                if (idle == -1) {
                    p.advance(Duration.ofSeconds(20));
                    p.heartbeat("w0", List.of(0), 63, p.now());
                    continue;
                }
                if (idle < 0) {
                    p.advance(Duration.ofSeconds(-idle));
                    continue;
                }
                for (int t = 20; t <= idle; t += 20) {
                    p.advance(Duration.ofSeconds(20));
                    p.heartbeat("w0", List.of(0), 0, p.now());
                }
            }
            assertEquals(List.of(), jobIds(p), "s1 was taken as lost while w0 could still be about to run it");
            // the last run began with the report 20 s after the silence: 300 s after it, s1 is lost
            for (int t = 0; t < 2; t++) {
                p.advance(Duration.ofSeconds(20));
                p.heartbeat("w0", List.of(0), 0, p.now());
            }
            assertEquals(List.of("s2"), jobIds(p), "after 300 s idle in a row it is");
        }
    }

    @Test
    void aLateEndOfAnEarlierLifeOfTheJobIdFreesNothingOfTheLifeRunningNow() {
        // given a tenant whose quota holds one job, its job s1 in flight and s2 waiting behind it
        try (PipelineDriver p = new PipelineDriver(smallTenantQuota())) {
            p.heartbeat("w0", List.of(0), 0, T0);
            p.submit(submission("s1", "small", 250));
            p.submit(submission("s2", "small", 250));
            assertEquals(List.of("s1"), jobIds(p));
            // when a final status of an earlier life of s1's id arrives (a late end, another submission)
            p.finished("s1", "small", JobState.FAILED, "s1-an-earlier-life");
            // then s1 still loads its lane and the quota: s2 waits
            assertEquals(List.of(), jobIds(p), "the earlier life's end freed the running life's quota");
            // and s1's own end frees it
            p.finished("s1", "small", JobState.SUCCEEDED, "s1-s1");
            assertEquals(List.of("s2"), jobIds(p));
        }
    }

    @Test
    void aNewLifeOfAJobIdWhoseOldLifeIsStillQueuedFailsSayingWhyInsteadOfVanishing() {
        // given a job queued with no worker to take it for longer than the planner remembers its id
        try (PipelineDriver p = new PipelineDriver(PipelineDriver.withRetention(Duration.ofHours(1)))) {
            p.submit(submission("job-q", "acme", PipelineDriver.text("job-q", 250), 100, "job-q-s1"));
            p.advance(Duration.ofMinutes(61));
            p.statuses();
            // when the id is submitted again: the planner accepts it as a new life
            p.submit(submission("job-q", "acme", PipelineDriver.text("job-q", 300), 100, "job-q-s2"));
            // then the dispatcher, still holding the old life, fails the new one with its reason
            List<String> statuses = p.status.readValuesToList().stream()
                    .map(st -> st.getSubmissionId() + " " + st.getState() + (st.getReason() == null ? "" : " " + st.getReason())).toList();
            assertEquals("job-q-s2 ACCEPTED", statuses.get(0));
            assertEquals(1, statuses.stream().filter(st -> st.startsWith("job-q-s2 FAILED DUPLICATE_JOB_ID")
                    && st.contains("still queued")).count(), statuses.toString());
            assertEquals("job-q-s1 QUEUED", statuses.getLast(), "the old life stands: " + statuses);
            // and the old life is released as it would have been
            p.heartbeat("w0", List.of(0), 0, p.now());
            List<String> released = p.work.readValuesToList().stream().map(o -> o.getRequest().getSubmissionId()).toList();
            assertEquals(List.of("job-q-s1"), released);
        }
    }

    /** The driver's config with a quota of 100 tokens for tenant "small" (one 250-byte job). */
    private static PipelineConfig smallTenantQuota() {
        var limits = PipelineDriver.CONFIG.limits();
        return PipelineDriver.CONFIG.withLimits(new PipelineConfig.Limits(limits.maxDocumentBytes(), limits.maxChunks(),
                limits.allowedKinds(), new PipelineConfig.TenantQuotas(java.util.Map.of("small", 100L), 1_000_000), limits.incompleteJobTimeout()));
    }

    private static PipelineDriver.Submission job(String id, String tenant, int priority, Instant deadline) {
        var s = submission(id, tenant, 250);
        return s.withRequest(JobRequest.newBuilder(s.request()).setPriority(priority).setDeadline(deadline).build());
    }

    private static List<String> jobIds(PipelineDriver p) {
        return p.work.readValuesToList().stream().map(o -> o.getRequest().getJobId()).toList();
    }

    private static List<Integer> lanes(PipelineDriver p) {
        return p.work.readKeyValuesToList().stream().map(kv -> kv.key).toList();
    }

    /** (lane key, job id) of each order written, checking the order's own lane field agrees. */
    private static List<KeyValue<Integer, String>> placed(PipelineDriver p) {
        return p.work.readKeyValuesToList().stream().map(kv -> {
            assertEquals(kv.key, kv.value.getLane());
            return KeyValue.pair(kv.key, kv.value.getRequest().getJobId());
        }).toList();
    }
}
