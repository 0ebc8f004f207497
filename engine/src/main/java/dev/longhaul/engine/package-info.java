/** The Longhaul inference engine: MiniMax-01 linear-attention MoE models on CPU backends. */
package dev.longhaul.engine;
