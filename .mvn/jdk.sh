# Sourced by mvnw: when the default Java is older than the build needs, build with the newest JDK installed where
# installers put them, and say so; with none, say what to install and stop. JAVA_HOME set to a JDK new enough wins.
shardflow_required=21

shardflow_feature() { # the feature version in a Java home's release file, or 0
  sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' "$1/release" 2>/dev/null | head -n 1 | grep . || echo 0
}

shardflow_home=${JAVA_HOME-}
if [ -z "$shardflow_home" ] && command -v java >/dev/null 2>&1; then
  shardflow_home=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p' | head -n 1)
fi
shardflow_current=0
[ -z "$shardflow_home" ] || shardflow_current=$(shardflow_feature "$shardflow_home")
if [ "$shardflow_current" -lt "$shardflow_required" ]; then
  shardflow_best=
  shardflow_best_feature=0
  set +f # mvnw turns globbing off; the search needs it
  for shardflow_candidate in /usr/lib/jvm/* /opt/java/* "$HOME"/.sdkman/candidates/java/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$shardflow_candidate/bin/javac" ] || continue
    shardflow_f=$(shardflow_feature "$shardflow_candidate")
    if [ "$shardflow_f" -gt "$shardflow_best_feature" ]; then
      shardflow_best=$shardflow_candidate
      shardflow_best_feature=$shardflow_f
    fi
  done
  set -f
  if [ "$shardflow_best_feature" -ge "$shardflow_required" ]; then
    echo "mvnw: the default Java is $shardflow_current; building with $shardflow_best (Java $shardflow_best_feature)" >&2
    JAVA_HOME=$shardflow_best
    export JAVA_HOME
  else
    echo "mvnw: Shardflow needs a JDK $shardflow_required or newer to build; the default Java is $shardflow_current and" \
      "no newer JDK is installed in /usr/lib/jvm, /opt/java, SDKMAN or macOS's JavaVirtualMachines." \
      "Install one (for example: apt-get install openjdk-21-jdk-headless, or Temurin from https://adoptium.net)" \
      "or set JAVA_HOME to it." >&2
    exit 1
  fi
fi
