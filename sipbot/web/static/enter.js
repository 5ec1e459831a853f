// Telegram opens the page with its signed initData in the address's fragment
// (#tgWebAppData=...), which never reaches the server: hand it to the form and send it.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.hash.slice(1));
  var data = params.get("tgWebAppData") ||
    (window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.initData) || "";
  var field = document.getElementById("init_data");
  var form = document.getElementById("enter");
  if (!data || !field || !form) {
    return;
  }
  field.value = data;
  // The signed data leaves the address bar and the history.
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  form.submit();
})();
