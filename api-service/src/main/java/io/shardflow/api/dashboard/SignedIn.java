package io.shardflow.api.dashboard;

import io.shardflow.api.security.Caller;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/** Who is logged in to the dashboard, for the page header: the key's name. */
@ControllerAdvice(assignableTypes = {DashboardController.class, LoginController.class, TenantsController.class})
class SignedIn {
    @ModelAttribute("operator")
    @Nullable
    String operator() {
        var authentication = SecurityContextHolder.getContext().getAuthentication();
        return authentication != null && authentication.getPrincipal() instanceof Caller caller ? caller.name() : null;
    }
}
