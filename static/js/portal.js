/* Small enhancements on top of pages that already work without JavaScript. */
(function () {
  "use strict";

  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // Browsers that ignore autofocus on a non-field element still move focus to the summary.
  document.addEventListener("DOMContentLoaded", function () {
    if (document.activeElement === document.body) {
      focusErrorSummary(document);
    }
  });

  // A little before the session ends (data-session-warn seconds: the server decides), show
  // the "stay signed in" button and move focus to it.
  document.addEventListener("DOMContentLoaded", function () {
    var warning = document.querySelector("[data-session-expires-in]");
    if (!warning) {
      return;
    }
    var seconds = parseInt(warning.getAttribute("data-session-expires-in"), 10);
    var warn = parseInt(warning.getAttribute("data-session-warn"), 10);
    if (isNaN(seconds) || isNaN(warn)) {
      return;
    }
    window.setTimeout(function () {
      warning.hidden = false;
      var text = warning.querySelector("[data-session-warning]");
      if (text) {
        text.focus();
      }
    }, Math.max(0, seconds - warn) * 1000);
  });

  // On a shared kiosk terminal (portal.kiosk): "Are you still there?" opens a little before
  // the session ends, a modal dialog with "I need more time" focused, and counts the seconds
  // down; when the time is up, the page goes to the time-out address, which ends the session
  // and shows the welcome screen. "I need more time" is sent in place by htmx; every answer
  // htmx gets in a kiosk session tells the time left (X-Session-Expires-In), and the count
  // starts again from it. Escape (which would close the dialog) asks for more time too.
  // Without JavaScript, the page's refreshes do the same (templates/kiosk/_head.html).
  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.querySelector("dialog[data-kiosk-expires-in]");
    if (!dialog) {
      return;
    }
    var warn = parseInt(dialog.getAttribute("data-kiosk-warn"), 10) || 60;
    var early = parseInt(dialog.getAttribute("data-kiosk-early"), 10) || 0;
    var timeoutUrl = dialog.getAttribute("data-kiosk-timeout");
    var countdown = dialog.querySelector("[data-kiosk-countdown]");
    var moreTime = dialog.querySelector("form[data-kiosk-more-time]");
    var timers = [];
    var end = 0;

    function stop() {
      timers.forEach(function (timer) {
        window.clearTimeout(timer);
        window.clearInterval(timer);
      });
      timers = [];
    }
    function tick() {
      if (countdown) {
        countdown.textContent = String(Math.max(0, Math.ceil((end - Date.now()) / 1000)));
      }
    }
    function ask() {
      tick();
      timers.push(window.setInterval(tick, 1000));
      if (!dialog.open) {
        if (typeof dialog.showModal === "function") {
          dialog.showModal();
        } else {
          dialog.setAttribute("open", "");
        }
      }
      var button = moreTime && moreTime.querySelector("button");
      if (button) {
        button.focus();
      }
    }
    function count(seconds) {
      stop();
      if (dialog.open) {
        dialog.close();
      }
      var left = Math.max(0, seconds - early);
      end = Date.now() + left * 1000;
      timers.push(window.setTimeout(ask, Math.max(0, seconds - warn) * 1000));
      timers.push(window.setTimeout(function () {
        window.location.assign(timeoutUrl);
      }, left * 1000));
    }
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      if (moreTime && typeof moreTime.requestSubmit === "function") {
        moreTime.requestSubmit();
      }
    });
    document.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail.xhr;
      var left = xhr ? parseInt(xhr.getResponseHeader("X-Session-Expires-In"), 10) : NaN;
      if (event.detail.successful && !isNaN(left)) {
        count(left);
      }
    });
    var seconds = parseInt(dialog.getAttribute("data-kiosk-expires-in"), 10);
    if (!isNaN(seconds)) {
      count(seconds);
    }
  });

  // After htmx replaces part of a page, an error summary in the new part takes focus.
  document.addEventListener("htmx:afterSettle", function (event) {
    focusErrorSummary(event.detail.elt);
  });

  // An upload sent by htmx shows how much of the file has gone.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.detail.elt;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-upload-progress")) {
      return;
    }
    var box = form.querySelector("[data-progress]");
    var bar = box && box.querySelector("progress");
    if (!bar || !event.detail.lengthComputable) {
      return;
    }
    box.hidden = false;
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    bar.value = percent;
    bar.textContent = percent + " %";
  });

  // "Print" on a document's page prints the document itself (a PDF from its frame), at once;
  // without JavaScript the link leads to a page that says how to print it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-print]") : null;
    if (!link) {
      return;
    }
    var frame = document.querySelector("iframe[data-print-frame]");
    try {
      if (frame) {
        frame.contentWindow.focus();
        frame.contentWindow.print();
      } else {
        window.print();
      }
      event.preventDefault();
    } catch (error) {
      // The browser would not print from here: the link's page explains how.
    }
  });

  // Parts of a page that refresh themselves (the inbox, an open conversation, the unread
  // count) every data-refresh-every seconds, only while the tab is shown: htmx fetches them
  // on a "refresh" event. Nothing refreshes while a request of its own is under way.
  var lastRefresh = new WeakMap();
  window.setInterval(function () {
    if (document.visibilityState !== "visible" || !window.htmx) {
      return;
    }
    var now = Date.now();
    document.querySelectorAll("[data-refresh-every]").forEach(function (element) {
      var every = parseInt(element.getAttribute("data-refresh-every"), 10) * 1000;
      if (!lastRefresh.has(element)) {
        lastRefresh.set(element, now);
      } else if (now - lastRefresh.get(element) >= every && !element.classList.contains("htmx-request")) {
        lastRefresh.set(element, now);
        window.htmx.trigger(element, "refresh");
      }
    });
  }, 1000);

  // What htmx adds in place may take the focus (the first of the older events shown, the
  // message just sent), once. On a page loaded whole the focus stays where the browser puts
  // it: such marks are dropped, so a later swap (a draft saved) cannot move the focus there.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-takes-focus]").forEach(function (element) {
      element.removeAttribute("data-takes-focus");
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    var first = document.querySelector("[data-takes-focus]");
    if (first) {
      first.removeAttribute("data-takes-focus");
      first.focus();
    }
  });
})();
