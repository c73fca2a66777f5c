package io.shardflow.api.errors;

import java.util.UUID;

/** An id that names nothing this tenant can see: 404. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String kind, UUID id) {
        super(kind + " " + id + " does not exist");
    }
}
