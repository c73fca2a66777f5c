package io.shardflow.api.dashboard;

import io.shardflow.api.errors.ConflictException;
import io.shardflow.api.models.ModelDeletion;
import io.shardflow.api.security.Callers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;

/** The models page's delete: what {@code DELETE /api/v1/models/{id}} does, for an operator at the dashboard. */
@Controller
class ModelActions {
    private final ModelDeletion deletion;

    ModelActions(ModelDeletion deletion) {
        this.deletion = deletion;
    }

    @PostMapping("/models/{id}/delete")
    public String delete(@PathVariable UUID id) {
        try {
            deletion.delete(Callers.authenticated(), id);
            return "redirect:/models?deleted=" + id;
        } catch (ConflictException e) {
            return "redirect:/models?refused="
                    + URLEncoder.encode(String.valueOf(e.getMessage()), StandardCharsets.UTF_8);
        }
    }
}
