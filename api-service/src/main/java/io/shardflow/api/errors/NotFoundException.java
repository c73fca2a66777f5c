package io.shardflow.api.errors;

/** An id or name that names nothing this tenant can see: 404. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String kind, Object id) {
        super(kind + " " + id + " does not exist");
    }
}
