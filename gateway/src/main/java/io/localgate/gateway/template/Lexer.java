package io.localgate.gateway.template;

import io.localgate.gateway.template.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into text and the tokens inside its tags.
 *
 * <p>Whitespace control follows Jinja as Hugging Face configures it for chat templates
 * ({@code trim_blocks} and {@code lstrip_blocks} on, trailing newline of the template dropped):
 * a block or comment tag swallows the spaces before it on its line and the newline after it;
 * {@code -} on a tag strips all whitespace on that side, {@code +} turns the automatic stripping off.
 */
final class Lexer {

    private static final Pattern RAW_BLOCK = Pattern.compile(
            "\\{%([-+]?)\\s*raw\\s*([-+]?)%}(.*?)\\{%([-+]?)\\s*endraw\\s*([-+]?)%}", Pattern.DOTALL);

    /** Longest first, so that {@code **} wins over {@code *}. */
    private static final List<String> OPERATORS = List.of(
            "**", "//", "==", "!=", "<=", ">=",
            "+", "-", "*", "/", "%", "~", "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}");

    private final String source;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;

    private Lexer(String source) {
        this.source = source;
    }

    static List<Token> tokenize(String source) {
        String trimmed = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        Lexer lexer = new Lexer(trimmed);
        lexer.run();
        lexer.tokens.add(new Token(Kind.END, "", trimmed.length()));
        return List.copyOf(lexer.tokens);
    }

    private void run() {
        while (pos < source.length()) {
            int tagStart = findTagStart(pos);
            if (tagStart < 0) {
                addText(source.substring(pos), pos);
                break;
            }
            char kind = source.charAt(tagStart + 1);
            char modifier = charAt(tagStart + 2);
            boolean hasModifier = modifier == '-' || (modifier == '+' && kind != '{');
            String text = source.substring(pos, tagStart);
            if (modifier == '-') {
                text = stripTrailingWhitespace(text);
            } else if (kind != '{' && modifier != '+') {
                text = stripBlockIndentation(text, tagStart);
            }
            addText(text, pos);
            int contentStart = tagStart + (hasModifier ? 3 : 2);
            switch (kind) {
                case '#' -> lexComment(tagStart, contentStart);
                case '%' -> {
                    if (!lexRawBlock(tagStart)) {
                        lexTag(tagStart, contentStart, true);
                    }
                }
                default -> lexTag(tagStart, contentStart, false);
            }
        }
    }

    private int findTagStart(int from) {
        for (int i = source.indexOf('{', from); i >= 0; i = source.indexOf('{', i + 1)) {
            char next = charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
        }
        return -1;
    }

    private void lexComment(int tagStart, int contentStart) {
        int end = source.indexOf("#}", contentStart);
        if (end < 0) {
            throw TemplateException.at("Comment is never closed with '#}'", source, tagStart);
        }
        pos = end + 2;
        afterTag(end > contentStart ? source.charAt(end - 1) : 0, true);
    }

    private boolean lexRawBlock(int tagStart) {
        Matcher raw = RAW_BLOCK.matcher(source).region(tagStart, source.length());
        if (!raw.lookingAt()) {
            return false;
        }
        String content = raw.group(3);
        if (raw.group(2).equals("-")) {
            content = stripLeadingWhitespace(content);
        } else if (!raw.group(2).equals("+")) {
            content = content.startsWith("\n") ? content.substring(1) : content;
        }
        if (raw.group(4).equals("-")) {
            content = stripTrailingWhitespace(content);
        }
        addText(content, raw.start(3));
        pos = raw.end();
        afterTag(raw.group(5).isEmpty() ? 0 : raw.group(5).charAt(0), true);
        return true;
    }

    /** Lexes the expression tokens of a {@code {% %}} or {@code {{ }}} tag up to and including its end. */
    private void lexTag(int tagStart, int contentStart, boolean block) {
        tokens.add(new Token(block ? Kind.BLOCK_BEGIN : Kind.VARIABLE_BEGIN, block ? "{%" : "{{", tagStart));
        String end = block ? "%}" : "}}";
        int bracketDepth = 0;
        pos = contentStart;
        while (true) {
            while (pos < source.length() && isWhitespace(source.charAt(pos))) {
                pos++;
            }
            if (pos >= source.length()) {
                throw TemplateException.at("Tag is never closed with '" + end + "'", source, tagStart);
            }
            if (bracketDepth == 0) {
                char first = source.charAt(pos);
                boolean modified = (first == '-' || (first == '+' && block)) && source.startsWith(end, pos + 1);
                if (modified || source.startsWith(end, pos)) {
                    tokens.add(new Token(block ? Kind.BLOCK_END : Kind.VARIABLE_END, end, pos));
                    pos += modified ? 3 : 2;
                    afterTag(modified ? first : 0, block);
                    return;
                }
            }
            Token token = nextExpressionToken();
            tokens.add(token);
            if (token.kind() == Kind.OPERATOR) {
                switch (token.value()) {
                    case "(", "[", "{" -> bracketDepth++;
                    case ")", "]", "}" -> bracketDepth = Math.max(0, bracketDepth - 1);
                    default -> { }
                }
            }
        }
    }

    /** Whitespace handling after a tag: {@code -} strips it all, a block tag drops one newline. */
    private void afterTag(char modifier, boolean block) {
        if (modifier == '-') {
            while (pos < source.length() && isWhitespace(source.charAt(pos))) {
                pos++;
            }
        } else if (block && modifier != '+') {
            if (source.startsWith("\r\n", pos)) {
                pos += 2;
            } else if (source.startsWith("\n", pos)) {
                pos++;
            }
        }
    }

    private Token nextExpressionToken() {
        int start = pos;
        char c = source.charAt(pos);
        if (c == '\'' || c == '"') {
            return new Token(Kind.STRING, readString(c), start);
        }
        if (isDigit(c)) {
            return readNumber();
        }
        if (Character.isLetter(c) || c == '_') {
            while (pos < source.length() && (Character.isLetterOrDigit(source.charAt(pos)) || source.charAt(pos) == '_')) {
                pos++;
            }
            return new Token(Kind.NAME, source.substring(start, pos), start);
        }
        for (String operator : OPERATORS) {
            if (source.startsWith(operator, pos)) {
                pos += operator.length();
                return new Token(Kind.OPERATOR, operator, start);
            }
        }
        throw TemplateException.at("Unexpected character '" + c + "'", source, start);
    }

    private Token readNumber() {
        int start = pos;
        skipDigits();
        boolean afterDot = !tokens.isEmpty() && tokens.getLast().isOperator(".");
        boolean isFloat = false;
        if (!afterDot && charAt(pos) == '.' && isDigit(charAt(pos + 1))) {
            pos++;
            skipDigits();
            isFloat = true;
        }
        if (!afterDot && (charAt(pos) == 'e' || charAt(pos) == 'E')) {
            int exponent = pos + 1;
            if (charAt(exponent) == '+' || charAt(exponent) == '-') {
                exponent++;
            }
            if (isDigit(charAt(exponent))) {
                pos = exponent;
                skipDigits();
                isFloat = true;
            }
        }
        String digits = source.substring(start, pos).replace("_", "");
        return new Token(isFloat ? Kind.FLOAT : Kind.INTEGER, digits, start);
    }

    private void skipDigits() {
        while (isDigit(charAt(pos)) || (charAt(pos) == '_' && isDigit(charAt(pos + 1)))) {
            pos++;
        }
    }

    /** Reads a quoted string with Python's escape sequences; an unknown escape keeps its backslash. */
    private String readString(char quote) {
        int start = pos++;
        StringBuilder value = new StringBuilder();
        while (true) {
            if (pos >= source.length()) {
                throw TemplateException.at("String literal is never closed", source, start);
            }
            char c = source.charAt(pos++);
            if (c == quote) {
                return value.toString();
            }
            if (c != '\\' || pos >= source.length()) {
                value.append(c);
                continue;
            }
            char escaped = source.charAt(pos++);
            switch (escaped) {
                case 'n' -> value.append('\n');
                case 't' -> value.append('\t');
                case 'r' -> value.append('\r');
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'v' -> value.append('\u000b');
                case 'a' -> value.append('\u0007');
                case '0' -> value.append('\0');
                case '\\', '\'', '"' -> value.append(escaped);
                case '\n' -> { }
                case 'x' -> value.appendCodePoint(readHex(2, start));
                case 'u' -> value.appendCodePoint(readHex(4, start));
                case 'U' -> value.appendCodePoint(readHex(8, start));
                default -> value.append('\\').append(escaped);
            }
        }
    }

    private int readHex(int digits, int literalStart) {
        if (pos + digits > source.length()) {
            throw TemplateException.at("Truncated escape sequence in string literal", source, literalStart);
        }
        try {
            int codePoint = Integer.parseInt(source.substring(pos, pos + digits), 16);
            pos += digits;
            return codePoint;
        } catch (NumberFormatException e) {
            throw TemplateException.at("Invalid escape sequence in string literal", source, literalStart);
        }
    }

    private void addText(String text, int offset) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Kind.TEXT, text, offset));
        }
    }

    /** lstrip_blocks: drop the spaces and tabs between the start of the line and a block tag. */
    private String stripBlockIndentation(String text, int tagStart) {
        int indentStart = tagStart;
        while (indentStart > pos && (source.charAt(indentStart - 1) == ' ' || source.charAt(indentStart - 1) == '\t')) {
            indentStart--;
        }
        boolean atLineStart = indentStart == 0 || source.charAt(indentStart - 1) == '\n';
        return atLineStart ? text.substring(0, indentStart - pos) : text;
    }

    private char charAt(int index) {
        return index < source.length() ? source.charAt(index) : 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Python's idea of whitespace ({@code str.isspace}), which Jinja's {@code -} and {@code trim} use. */
    static boolean isWhitespace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    static String stripTrailingWhitespace(String text) {
        int end = text.length();
        while (end > 0 && isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }

    static String stripLeadingWhitespace(String text) {
        int start = 0;
        while (start < text.length() && isWhitespace(text.charAt(start))) {
            start++;
        }
        return text.substring(start);
    }
}
