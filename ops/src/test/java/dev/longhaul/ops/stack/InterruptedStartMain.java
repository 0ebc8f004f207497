/*
 * A process for DevStackInterruptedStartTest: starts a temporary stack (broker, registry, pipeline)
 * and waits; the test sends it SIGTERM while the stack is still starting.
 */
package dev.longhaul.ops.stack;

import dev.longhaul.pipeline.PipelineConfig;

public final class InterruptedStartMain {
    private InterruptedStartMain() {}

    public static void main(String[] args) throws InterruptedException {
        PipelineConfig d = PipelineConfig.DEFAULTS;
        PipelineConfig one = d.withKafka(new PipelineConfig.Kafka("interrupted-start", "longhaul.", 1, d.kafka().commitInterval()));
        System.out.println("starting");
        DevStack.start(DevStack.Options.temporary(one), part -> System.out.println("up: " + part));
        System.out.println("started");
        Thread.sleep(Long.MAX_VALUE);
    }
}
