package io.shardflow.api.json;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.shardflow.core.InvalidSpecException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.Temporal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.InvalidTypeIdException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Why a JSON body could not be read, as its field's JSON path and a reason a client can act on. Jackson's own
 * messages name Java classes and Jackson settings; none of that is passed on. A rule a request record broke
 * ({@link InvalidSpecException}) keeps its words, under the path of the object that broke it.
 */
@Component
public class JsonErrors {
    /** The longest value a reason quotes back. */
    private static final int QUOTED = 60;

    private static final String ENDS_EARLY = "is not valid JSON: it ends before every object and array is closed";

    private final JsonLimits limits;

    public JsonErrors(JsonLimits limits) {
        this.limits = limits;
    }

    /** A field (a JSON path such as {@code parameters.layers[1].weight}, or {@code body}) and what is wrong. */
    public record Reason(String field, String message) {}

    public Reason describe(JacksonException e) {
        String path = pathOf(e);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidSpecException spec) {
                return new Reason(join(path, spec.field()), spec.reason());
            }
        }
        return switch (e) {
            case StreamConstraintsException limit -> overLimit(limit, path);
            case UnrecognizedPropertyException unknown -> unknownField(unknown, path);
            case InvalidTypeIdException typeId -> unknownKind(typeId, path);
            case InvalidFormatException format ->
                new Reason(orBody(path), expected(format.getTargetType()) + ", was " + quote(format.getValue()));
            case MismatchedInputException mismatch -> mismatch(mismatch, path);
            case InputCoercionException range ->
                new Reason(orBody(path.isEmpty() ? parserPath(range) : path), outOfRange(range.getTargetType()));
            case UnexpectedEndOfInputException end -> new Reason("body", ENDS_EARLY);
            case StreamReadException read -> unreadable(read, path);
            default -> new Reason(orBody(path), "could not be read");
        };
    }

    /** What a value of {@code type} must be, for a value given in the wrong form (a query parameter, say). */
    public static String expected(@Nullable Class<?> type) {
        if (type != null && type.isEnum()) {
            return "must be one of " + String.join(", ", enumNames(type));
        }
        return "must be " + kindOf(type);
    }

    private Reason overLimit(StreamConstraintsException e, String path) {
        // Jackson names the limit by its getter, the one stable part of the message
        String message = String.valueOf(e.getOriginalMessage());
        if (message.contains("getMaxNestingDepth")) {
            return new Reason(
                    "body",
                    "nests objects and arrays deeper than " + limits.maxNestingDepth() + " levels (" + JsonLimits.PREFIX
                            + "max-nesting-depth)");
        }
        if (message.contains("getMaxStringLength")) {
            return new Reason(
                    orBody(path),
                    "is a string longer than " + limits.maxStringLength() + " characters (" + JsonLimits.PREFIX
                            + "max-string-length)");
        }
        if (message.contains("getMaxNumberLength")) {
            return new Reason(
                    orBody(path),
                    "is a number longer than " + limits.maxNumberLength() + " characters (" + JsonLimits.PREFIX
                            + "max-number-length)");
        }
        if (message.contains("getMaxDocumentLength")) {
            return new Reason(
                    "body",
                    "is longer than " + limits.maxDocumentLength().toBytes() + " bytes (" + JsonLimits.PREFIX
                            + "max-document-length)");
        }
        if (message.contains("getMaxNameLength")) {
            return new Reason(
                    "body",
                    "has a field name longer than " + StreamReadConstraints.DEFAULT_MAX_NAME_LEN + " characters");
        }
        return new Reason("body", "is larger than this API reads");
    }

    private static Reason unknownField(UnrecognizedPropertyException e, String path) {
        String name = e.getPropertyName();
        var known = new ArrayList<String>();
        Collection<Object> ids = e.getKnownPropertyIds();
        if (ids != null) {
            ids.forEach(id -> known.add(String.valueOf(id)));
        }
        String field = path.isEmpty() ? name : path;
        String closest = FieldNames.closest(name, known);
        if (closest != null) {
            return new Reason(field, "unknown field; did you mean " + closest + "?");
        }
        return new Reason(
                field,
                known.isEmpty() ? "unknown field" : "unknown field; the fields here are " + String.join(", ", known));
    }

    private static Reason unknownKind(InvalidTypeIdException e, String path) {
        var base = e.getBaseType() == null ? null : e.getBaseType().getRawClass();
        var info = base == null ? null : base.getAnnotation(JsonTypeInfo.class);
        String property = info == null || info.property().isEmpty() ? "type" : info.property();
        var kinds = new ArrayList<String>();
        var subtypes = base == null ? null : base.getAnnotation(JsonSubTypes.class);
        if (subtypes != null) {
            for (var subtype : subtypes.value()) {
                kinds.add(subtype.name().isEmpty() ? subtype.value().getSimpleName() : subtype.name());
            }
        }
        String field = join(path, property);
        String choices = kinds.isEmpty() ? "" : ": one of " + String.join(", ", kinds);
        if (e.getTypeId() == null) {
            return new Reason(field, "is required" + choices);
        }
        return new Reason(
                field,
                (kinds.isEmpty() ? "is not a known kind" : "must be one of " + String.join(", ", kinds)) + ", was "
                        + quote(e.getTypeId()));
    }

    private static Reason mismatch(MismatchedInputException e, String path) {
        String message = String.valueOf(e.getOriginalMessage());
        if (message.startsWith("No content to map")) {
            return new Reason("body", "is required: a JSON document");
        }
        if (message.startsWith("Trailing token")) {
            return new Reason("body", "goes on after its JSON value has ended");
        }
        if (message.startsWith("Cannot map `null`")) {
            // a primitive left out, or given as null
            return new Reason(orBody(path), "is required");
        }
        return new Reason(orBody(path), expected(e.getTargetType()));
    }

    private static Reason unreadable(StreamReadException e, String path) {
        String message = String.valueOf(e.getOriginalMessage());
        if (message.contains("ALLOW_NON_NUMERIC_NUMBERS")) {
            return new Reason(
                    orBody(path.isEmpty() ? parserPath(e) : path),
                    "must be a number; NaN and Infinity are not JSON numbers");
        }
        if (message.contains("end-of-input")) {
            return new Reason("body", ENDS_EARLY);
        }
        var location = e.getLocation();
        String where = location == null || location.getLineNr() < 1
                ? ""
                : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
        return new Reason("body", "is not valid JSON" + where);
    }

    private static String outOfRange(@Nullable Class<?> type) {
        if (type == int.class || type == Integer.class) {
            return "must be a whole number in " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE;
        }
        if (type == long.class || type == Long.class) {
            return "must be a whole number in " + Long.MIN_VALUE + ".." + Long.MAX_VALUE;
        }
        return "is out of range";
    }

    private static String kindOf(@Nullable Class<?> type) {
        if (type == null) {
            return "a value of another kind";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (CharSequence.class.isAssignableFrom(type) || type == char.class || type == Character.class) {
            return "text";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == int.class
                || type == Integer.class
                || type == long.class
                || type == Long.class
                || type == short.class
                || type == Short.class
                || type == byte.class
                || type == Byte.class
                || type == BigInteger.class) {
            return "a whole number";
        }
        if (type.isPrimitive() || Number.class.isAssignableFrom(type) || type == BigDecimal.class) {
            return "a number";
        }
        if (type == UUID.class) {
            return "a UUID";
        }
        if (Temporal.class.isAssignableFrom(type)) {
            return "a date and time";
        }
        if (Map.class.isAssignableFrom(type)
                || type.isRecord()
                || !type.getName().startsWith("java.")) {
            return "an object";
        }
        return "a value of another kind";
    }

    /** The names JSON uses for an enum's constants: their {@code @JsonProperty} name where they have one. */
    private static List<String> enumNames(Class<?> type) {
        var names = new ArrayList<String>();
        for (var constant : type.getEnumConstants()) {
            String name = ((Enum<?>) constant).name();
            try {
                var property = type.getField(name).getAnnotation(JsonProperty.class);
                names.add(property == null || property.value().isEmpty() ? name : property.value());
            } catch (NoSuchFieldException e) {
                names.add(name);
            }
        }
        return names;
    }

    /** A value as a reason quotes it back: in quotes, cut short. */
    public static String quote(@Nullable Object value) {
        String text = String.valueOf(value);
        return "'" + (text.length() > QUOTED ? text.substring(0, QUOTED) + "…" : text) + "'";
    }

    private static String orBody(String path) {
        return path.isEmpty() ? "body" : path;
    }

    /** The field inside the value at {@code path}; a value that reports itself (an enum, say) is the path itself. */
    private static String join(String path, String field) {
        if (path.isEmpty()) {
            return field;
        }
        return path.equals(field) || path.endsWith("." + field) ? path : path + "." + field;
    }

    /** A JSON path such as {@code parameters.layers[1].weight}, from the references the reader collected. */
    static String pathOf(JacksonException e) {
        var path = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /**
     * Where the parser stood: for an error the parser found before any value was bound (a NaN, a number out of
     * range), which has no references of its own.
     */
    private static String parserPath(StreamReadException e) {
        JsonParser parser = e.processor();
        if (parser == null) {
            return "";
        }
        var segments = new ArrayDeque<String>();
        for (TokenStreamContext context = parser.streamReadContext();
                context != null && !context.inRoot();
                context = context.getParent()) {
            if (context.inArray()) {
                segments.push("[" + Math.max(0, context.getCurrentIndex()) + "]");
            } else if (context.currentName() != null) {
                segments.push("." + context.currentName());
            }
        }
        String path = String.join("", segments);
        return path.startsWith(".") ? path.substring(1) : path;
    }
}
