// Attempt pages, enhanced: autosave, heartbeats while the page is visible, countdowns.
// The pages work without this script (form posts save answers); the server's clock decides
// everything here shows. Strings come translated from #attempt-strings ({time} is filled in).
(function () {
  "use strict";

  var form = document.getElementById("question-form");
  var strings = document.getElementById("attempt-strings");
  if (!form || !strings) { return; }

  var data = form.dataset;
  var token = data.launchToken;
  var sitting = data.sitting;
  // Each page load hands this tab a fresh sitting key (a duplicated tab takes the sitting over):
  // keep the address bar current so a reload of this tab still holds it.
  if (window.history && window.history.replaceState && window.URL) {
    var here = new URL(window.location.href);
    if (here.searchParams.get(data.sittingField || "s") !== sitting) {
      here.searchParams.set(data.sittingField || "s", sitting);
      window.history.replaceState(window.history.state, "", here.toString());
    }
  }
  var timeout = Number(data.inactivityTimeout);
  var warnAt = Number(data.warningSeconds);
  var beatEvery = Number(data.heartbeatSeconds) * 1000;
  var saveStatus = document.getElementById("save-status");
  var warning = document.getElementById("inactivity-warning");
  var warningText = document.getElementById("inactivity-warning-text");
  var stayButton = document.getElementById("stay-button");
  var announcer = document.getElementById("announcer");
  var timeLimit = document.getElementById("time-limit");
  var timeoutForm = document.getElementById("timeout-form");

  // What the server said last: seconds left of the inactivity allowance, and when we heard it.
  var ack = { left: Number(data.inactivityLeft), at: Date.now() };
  // Heartbeats alone keep the attempt going only so long: seconds left to save an answer or
  // open a page (the server's rule; the page only warns).
  var engagement = {
    left: data.engagementLeft === undefined ? Infinity : Number(data.engagementLeft),
    at: Date.now()
  };
  var idleShown = false;
  var deadline = data.timeLeft !== undefined ? Date.now() + Number(data.timeLeft) * 1000 : null;
  var lastBeat = Date.now();
  var over = false;
  var wasAway = false;
  var warned = false;
  var lastAnnouncedMinute = null;
  var timeUp = false;
  // Time left at the previous tick: a reminder is said when the time left crosses 5:00 or
  // 1:00. Ticks are late or skipped (background tabs, a sleeping laptop), so crossing, not
  // landing exactly on the second, is what counts; nothing is said on the page load itself.
  var previousRemaining = deadline === null ? null : (deadline - Date.now()) / 1000;
  var REMINDERS = [300, 60];

  function text(name, time) {
    return (strings.dataset[name] || "").replace("{time}", time || "");
  }

  function clockText(seconds) {
    seconds = Math.max(0, Math.ceil(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }

  function announce(message) {
    if (!announcer) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  function status(message) { if (saveStatus) { saveStatus.textContent = message; } }

  // Present = the page is visible (the learner has not left the screen: another tab, a
  // minimised window, a sleeping device). Never judged by keyboard focus: inside Moodle's
  // iframe, focus is in Moodle's own page whenever the learner last clicked there (a heading,
  // the course index), although the learner is still looking at the attempt.
  function isPresent() {
    return document.visibilityState === "visible";
  }

  function inactivityLeft() { return ack.left - (Date.now() - ack.at) / 1000; }

  function engagementLeft() { return engagement.left - (Date.now() - engagement.at) / 1000; }

  function heard(body) {
    if (body && typeof body.inactivity_seconds_left === "number") {
      ack = { left: body.inactivity_seconds_left, at: Date.now() };
    }
    if (body && typeof body.engagement_seconds_left === "number") {
      engagement = { left: body.engagement_seconds_left, at: Date.now() };
    }
    if (body && typeof body.time_limit_seconds_left === "number") {
      deadline = Date.now() + body.time_limit_seconds_left * 1000;
    }
  }

  function post(url, body) {
    var headers = { "X-Launch-Token": token, "X-Sitting": sitting, "Accept": "application/json" };
    return fetch(url, { method: "POST", headers: headers, body: body, credentials: "same-origin",
                        cache: "no-store" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          return { status: response.status, body: json };
        });
      });
  }

  // The attempt ended (submitted, void, moved to another tab, launch expired): stop, say why.
  var stopped = false;

  function stop(body) {
    if (stopped) { return; }
    stopped = true;
    over = true;
    form.querySelectorAll("input, select, textarea, button").forEach(function (el) { el.disabled = true; });
    warning.hidden = false;
    stayButton.hidden = true;
    warningText.textContent = (body && body.message) || text("ended");
    if (body && body.next_url) {
      var link = document.createElement("a");
      link.href = body.next_url;
      link.id = "attempt-ended-link";
      link.className = "button";
      link.textContent = body.next_label || text("next");
      warning.appendChild(link);
    }
    warning.setAttribute("role", "alert");
    announce(warningText.textContent);
  }

  function handleRefusal(result) {
    if (result.status === 409 || result.status === 410 || result.status === 401 ||
        result.status === 404) {
      stop(result.body);
      return true;
    }
    return false;
  }

  // -- autosave -----------------------------------------------------------------------------
  var saving = false, dirty = false, retryDelay = 2000, retryTimer = null, typingTimer = null;

  // A navigation button's name says both states: answered or not, flagged for later or not.
  function labelNav(nav) {
    var answered = nav.classList.contains("answered"), flagged = nav.classList.contains("flagged");
    var d = nav.dataset;
    nav.setAttribute("aria-label", flagged
      ? (answered ? d.flaggedAnsweredLabel : d.flaggedUnansweredLabel)
      : (answered ? d.answeredLabel : d.unansweredLabel));
  }

  function markAnswered(answered) {
    var nav = document.getElementById("nav-q-" + data.position);
    if (!nav) { return; }
    nav.classList.toggle("answered", answered);
    labelNav(nav);
    showAnsweredCount();
  }

  // -- flag for later: a toggle button; without this script it is a form post --------------
  var flagButton = document.getElementById("flag-toggle");

  function showFlag(flagged) {
    flagButton.setAttribute("aria-pressed", flagged ? "true" : "false");
    flagButton.value = flagged ? "unflag" : "flag";
    var nav = document.getElementById("nav-q-" + data.position);
    if (nav) { nav.classList.toggle("flagged", flagged); labelNav(nav); }
  }

  if (flagButton && flagButton.dataset.flagUrl) {
    flagButton.addEventListener("click", function (event) {
      event.preventDefault();
      if (over) { return; }
      var wanted = flagButton.getAttribute("aria-pressed") !== "true";
      showFlag(wanted);  // at once; put back if the server refuses
      var body = new FormData();
      body.append("flagged", wanted ? "1" : "0");
      post(flagButton.dataset.flagUrl, body).then(function (result) {
        if (result.status === 200) {
          showFlag(Boolean(result.body.flagged));
          announce(text(result.body.flagged ? "flagged" : "unflagged"));
          return;
        }
        showFlag(!wanted);
        if (!handleRefusal(result)) { announce(text("flagFailed")); }
      }).catch(function () { showFlag(!wanted); announce(text("flagFailed")); });
    });
  }

  // "N of 20 answered" and its bar, recounted from the navigation (which holds every
  // question's state) after each save; the texts come translated in data-texts, one per count.
  function showAnsweredCount() {
    var counter = document.getElementById("answered-count");
    var bar = document.getElementById("progress-bar");
    var count = form.querySelectorAll(".nav-q.answered").length;
    var texts;
    try { texts = JSON.parse(counter ? counter.dataset.texts || "[]" : "[]"); } catch (e) { texts = []; }
    if (counter && texts[count]) { counter.textContent = texts[count]; }
    if (bar) { bar.value = count; }
  }

  // A typed answer the server refused (not a number, too long): say so on the field too.
  function markInvalid(invalid) {
    form.querySelectorAll("input[type=text]").forEach(function (input) {
      if (invalid) { input.setAttribute("aria-invalid", "true"); }
      else { input.removeAttribute("aria-invalid"); }
    });
  }

  function save() {
    if (over || !data.saveUrl) { return; }
    if (saving) { dirty = true; return; }
    saving = true;
    dirty = false;
    status(text("saving"));
    post(data.saveUrl, new FormData(form)).then(function (result) {
      saving = false;
      if (result.status === 200) {
        retryDelay = 2000;
        heard(result.body);
        markAnswered(Boolean(result.body.answered));
        markInvalid(false);
        var at = new Date(result.body.saved_at);
        status(text("savedAt", at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })));
        if (dirty) { save(); }
        return;
      }
      if (handleRefusal(result)) { return; }
      if (result.status === 422) {
        status((result.body && result.body.message) || text("invalid"));
        markInvalid(true);
        // Typed again while this was on its way: that newer answer still needs saving.
        if (dirty) { save(); }
        return;
      }
      retryLater();
    }).catch(function () { saving = false; retryLater(); });
  }

  function retryLater() {
    status(text("retrying"));
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(save, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  if (form.tagName === "FORM" && data.saveUrl) {
    form.addEventListener("change", function () { window.clearTimeout(typingTimer); save(); });
    form.addEventListener("input", function (event) {
      if (event.target.type === "text") {
        window.clearTimeout(typingTimer);
        typingTimer = window.setTimeout(save, 800);
      }
    });
  }

  // -- heartbeats and the inactivity warning --------------------------------------------------
  function heartbeat() {
    if (over) { return; }
    lastBeat = Date.now();
    post(data.heartbeatUrl, null).then(function (result) {
      if (result.status === 200) {
        var away = result.body.away_seconds || 0;
        heard(result.body);
        if (wasAway && away >= timeout - warnAt) {
          // Said aloud too: a screen reader does not read a tab that was in the background.
          var welcome = text("welcomeBack", clockText(away));
          showWarning(welcome, false);
          announce(welcome);
          window.setTimeout(hideWarning, 20000);
        } else if (!idleShown) {
          hideWarning();
        }
        wasAway = false;
        return;
      }
      handleRefusal(result);  // anything else (429, a network blip): the next beat retries
    }).catch(function () { /* offline for a moment: the allowance covers several beats */ });
  }

  function showWarning(message, withButton) {
    warning.hidden = false;
    stayButton.hidden = !withButton;
    warningText.textContent = message;
  }

  // A warning that counts down, said aloud when it appears and once a minute after that.
  function warn(message, withButton, left) {
    showWarning(message, withButton);
    var minute = Math.ceil(left / 60);
    if (!warned || minute !== lastAnnouncedMinute) {
      warned = true;
      lastAnnouncedMinute = minute;
      announce(message);
    }
  }

  function hideWarning() {
    if (over || idleShown) { return; }
    warning.hidden = true;
    warned = false;
    lastAnnouncedMinute = null;
  }

  function comeBack() {
    if (!over && isPresent()) { heartbeat(); }
  }

  document.addEventListener("visibilitychange", comeBack);
  stayButton.addEventListener("click", heartbeat);

  function tick() {
    if (over) { return; }
    var left = inactivityLeft();
    var idleLeft = engagementLeft();
    if (isPresent()) {
      if (Date.now() - lastBeat >= beatEvery) { heartbeat(); }
    } else {
      wasAway = true;
    }
    if (idleLeft <= warnAt && idleLeft <= left) {
      // Only an answer or another page helps now ("I am here" would not): no button.
      idleShown = true;
      warn(text("idleWarning", clockText(idleLeft)), false, idleLeft);
    } else {
      if (idleShown) { idleShown = false; hideWarning(); }
      if (!isPresent() && left <= warnAt) {
        warn(text("warning", clockText(left)), true, left);
      }
    }
    if (deadline !== null && timeLimit) {
      var remaining = (deadline - Date.now()) / 1000;
      timeLimit.textContent = text("timeLeft", clockText(remaining));
      REMINDERS.forEach(function (mark) {
        var crossed = previousRemaining !== null && previousRemaining > mark && remaining <= mark;
        if (crossed && remaining > 0) { announce(text("minutesLeft", clockText(remaining))); }
      });
      previousRemaining = remaining;
      if (remaining <= 0 && !timeUp && timeoutForm) {
        timeUp = true;
        over = true;
        announce(text("timeUp"));
        timeLimit.textContent = text("timeUp");
        timeoutForm.submit();
      }
    }
  }

  window.setInterval(tick, 1000);
  tick();
})();
