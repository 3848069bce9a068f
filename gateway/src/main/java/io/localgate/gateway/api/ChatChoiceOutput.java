package io.localgate.gateway.api;

import io.localgate.gateway.api.OpenAiObjects.AssistantMessage;
import io.localgate.gateway.api.OpenAiObjects.ChatLogprobs;
import io.localgate.gateway.api.OpenAiObjects.Delta;
import io.localgate.gateway.api.OpenAiObjects.FunctionCall;
import io.localgate.gateway.api.OpenAiObjects.TokenLogprobEntry;
import io.localgate.gateway.api.OpenAiObjects.ToolCallDelta;
import io.localgate.gateway.api.OpenAiObjects.ToolCallObject;
import io.localgate.gateway.api.OpenAiObjects.TopLogprob;
import io.localgate.gateway.generation.GenerationEvent;
import io.localgate.gateway.generation.TokenLogprob;
import io.localgate.gateway.tools.ToolCall;
import io.localgate.gateway.tools.ToolCallParser;
import java.util.ArrayList;
import java.util.List;

/**
 * One chat choice's output as it streams: content and tool calls (when tools may be called), with the
 * log-probabilities of the tokens behind them. Gives the deltas to stream and, at the end, the message.
 */
final class ChatChoiceOutput {

    /** A delta and the log-probabilities of the tokens that made it (null when not asked for). */
    record Step(Delta delta, ChatLogprobs logprobs) {
    }

    private final ToolCallParser parser;
    private final boolean logprobs;
    private final StringBuilder content = new StringBuilder();
    /** The calls so far: id, name, and the arguments as they arrive. */
    private final List<CallInProgress> calls = new ArrayList<>();
    private final List<TokenLogprobEntry> allLogprobs = new ArrayList<>();
    private final List<TokenLogprobEntry> pendingLogprobs = new ArrayList<>();

    /** @param parser null when no tool may be called */
    ChatChoiceOutput(ToolCallParser parser, boolean logprobs) {
        this.parser = parser;
        this.logprobs = logprobs;
    }

    List<Step> accept(GenerationEvent.Text text) {
        for (TokenLogprob token : text.logprobs()) pendingLogprobs.add(entry(token));
        if (parser == null) return steps(text.text().isEmpty() ? List.of() : List.of(new ToolCallParser.Piece.Content(text.text())));
        return steps(parser.append(text.text()));
    }

    /** What is still held at the end. */
    List<Step> finish() {
        List<Step> steps = steps(parser == null ? List.of() : parser.finish());
        if (!pendingLogprobs.isEmpty()) {
            // tokens whose text was all held back (or is empty) still belong to the choice
            steps = new ArrayList<>(steps);
            steps.add(new Step(new Delta(null, ""), takeLogprobs()));
        }
        return steps;
    }

    /** The OpenAI finish reason: {@code tool_calls} when the model called tools and was not cut off. */
    String finishReason(GenerationEvent.Done done) {
        return !calls.isEmpty() && done.finish() == GenerationEvent.Finish.STOP ? "tool_calls" : done.finish().apiName();
    }

    private record CallInProgress(String id, String name, StringBuilder arguments) {
    }

    AssistantMessage message() {
        List<ToolCallObject> toolCalls = calls.stream()
                .map(call -> new ToolCallObject(call.id(), call.name(), call.arguments().toString())).toList();
        String text = content.toString();
        return new AssistantMessage("assistant", toolCalls.isEmpty() || !text.isBlank() ? text : null, null, toolCalls);
    }

    ChatLogprobs logprobs() {
        return logprobs ? new ChatLogprobs(List.copyOf(allLogprobs)) : null;
    }

    private List<Step> steps(List<ToolCallParser.Piece> pieces) {
        List<Step> steps = new ArrayList<>();
        for (ToolCallParser.Piece piece : pieces) {
            switch (piece) {
                case ToolCallParser.Piece.Content(String text) -> {
                    content.append(text);
                    steps.add(new Step(new Delta(null, text), takeLogprobs()));
                }
                case ToolCallParser.Piece.Call(ToolCall call) -> {
                    // as OpenAI streams a call: id, type and name with empty arguments, then the argument text
                    steps.add(startCall(call.id(), call.name()));
                    steps.add(addArguments(call.arguments()));
                }
                case ToolCallParser.Piece.CallStart(String id, String name) -> steps.add(startCall(id, name));
                case ToolCallParser.Piece.CallArguments(String text) -> steps.add(addArguments(text));
            }
        }
        return steps;
    }

    private Step startCall(String id, String name) {
        calls.add(new CallInProgress(id, name, new StringBuilder()));
        return new Step(new Delta(null, null, List.of(new ToolCallDelta(calls.size() - 1, id, "function", new FunctionCall(name, "")))),
                takeLogprobs());
    }

    private Step addArguments(String text) {
        calls.getLast().arguments().append(text);
        return new Step(new Delta(null, null, List.of(new ToolCallDelta(calls.size() - 1, null, null, new FunctionCall(null, text)))),
                takeLogprobs());
    }

    private ChatLogprobs takeLogprobs() {
        if (!logprobs) return null;
        allLogprobs.addAll(pendingLogprobs);
        var taken = new ChatLogprobs(List.copyOf(pendingLogprobs));
        pendingLogprobs.clear();
        return taken;
    }

    private static TokenLogprobEntry entry(TokenLogprob token) {
        List<TopLogprob> top = token.top().stream()
                .map(alternative -> new TopLogprob(alternative.token(), alternative.logprob(), bytes(alternative.bytes())))
                .toList();
        return new TokenLogprobEntry(token.token(), token.logprob(), bytes(token.bytes()), top);
    }

    static List<Integer> bytes(byte[] bytes) {
        List<Integer> list = new ArrayList<>(bytes.length);
        for (byte b : bytes) list.add(b & 0xFF);
        return list;
    }
}
