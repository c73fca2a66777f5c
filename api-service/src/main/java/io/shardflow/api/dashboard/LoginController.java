package io.shardflow.api.dashboard;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The dashboard's login page; Spring Security's form login handles what it posts. */
@Controller
class LoginController {
    @GetMapping("/login")
    String login() {
        return "login";
    }
}
