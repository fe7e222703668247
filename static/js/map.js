/* OpenLot public map: Leaflet markers for the server-rendered list of nearby lots,
 * where-am-I (geolocation, a click on the map), and the live vacancy of the selected
 * lot, re-read every few seconds while it stays selected.
 *
 * The page works without this script: the list is rendered by the server for
 * ?lat=&lng= (lots/views.py), and every lot links to its own ?lot= view. This
 * script reads the list (data- attributes) rather than a second copy of the data,
 * and swaps in the server's new list after a search, so the list has one template.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var text = config.text;
  var mapElement = document.getElementById("map");
  var statusElement = document.getElementById("map-status");
  var lang = document.documentElement.lang || undefined;
  // People who ask their system for less motion get a map that jumps instead of gliding.
  var animate = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  var map;
  var markerLayer;
  var hereMarker;
  var markers = new Map(); // lot id -> Leaflet marker
  var selection = null; // {id, marker, popup, timer, request}
  var searchRequest = 0;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, name) {
      return String(values[name]);
    });
  }

  // 09:05:30 on a 24-hour clock in every language, on the site's clock (as the server's list).
  function clockTime(date) {
    var options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
    try {
      return date.toLocaleTimeString(lang, Object.assign({ timeZone: config.timeZone }, options));
    } catch (error) {
      return date.toLocaleTimeString(lang, options); // a zone this browser does not know
    }
  }

  // What the page is doing, for everyone (searching, a failure); `echo` is for screen
  // readers only: it repeats what the list or the popup already shows.
  function say(message, echo) {
    statusElement.textContent = message || "";
    statusElement.classList.toggle("visually-hidden", Boolean(echo));
  }

  function fullness(available, capacity) {
    if (available <= 0) return "full";
    if (available < config.fewShare * capacity) return "few";
    return "plenty";
  }

  function vacancyText(available, capacity) {
    var template = available > 0 ? text.free : text.full;
    return format(template, { available: available, capacity: capacity });
  }

  function setFullnessClass(element, state) {
    element.classList.remove("lot--plenty", "lot--few", "lot--full");
    element.classList.add("lot--" + state);
  }

  // --- the list ------------------------------------------------------------

  function results() {
    return document.getElementById("results");
  }

  function listItems() {
    return Array.prototype.slice.call(results().querySelectorAll("li[data-lot-id]"));
  }

  function listItem(id) {
    return results().querySelector('li[data-lot-id="' + id + '"]');
  }

  function lotFromItem(item) {
    return {
      id: Number(item.dataset.lotId),
      lat: Number(item.dataset.lat),
      lng: Number(item.dataset.lng),
      name: item.dataset.name,
      address: item.dataset.address,
      distance: item.dataset.distance,
      available: Number(item.dataset.available),
      capacity: Number(item.dataset.capacity),
      // A lot without an entry gate (imported from open data): its size is known, not its vacancy.
      counted: item.dataset.counted === "true",
      words: item.querySelector(".lot-vacancy").textContent.replace(/\s+/g, " ").trim(),
    };
  }

  // --- markers ---------------------------------------------------------------

  // The badge shows the free spaces (or P where nobody counts them); a screen reader
  // hears the lot's name and its vacancy in words instead.
  function markerIcon(lot, selected) {
    var content = document.createElement("span");
    var badge = document.createElement("span");
    badge.className = "lot-marker-count";
    badge.setAttribute("aria-hidden", "true");
    badge.textContent = lot.counted ? String(lot.available) : "P";
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = format(text.lotVacancy, { name: lot.name, vacancy: lot.words });
    content.append(badge, label);
    var state = lot.counted ? fullness(lot.available, lot.capacity) : "unknown";
    return L.divIcon({
      html: content,
      className: "lot-marker lot--" + state + (selected ? " is-selected" : ""),
      iconSize: selected ? [42, 42] : [34, 34],
      popupAnchor: [0, -14],
    });
  }

  function showLots() {
    markerLayer.clearLayers();
    markers.clear();
    var lat = Number(results().dataset.lat);
    var lng = Number(results().dataset.lng);
    hereMarker.setLatLng([lat, lng]);
    var bounds = L.latLngBounds([[lat, lng]]);
    listItems().forEach(function (item) {
      var lot = lotFromItem(item);
      var marker = L.marker([lot.lat, lot.lng], {
        icon: markerIcon(lot, false),
        title: lot.name,
        riseOnHover: true,
      });
      marker.lotId = lot.id;
      marker.on("click", function () {
        select(lot.id);
      });
      marker.addTo(markerLayer);
      markers.set(lot.id, marker);
      bounds.extend([lot.lat, lot.lng]);
    });
    map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16, animate: animate });
  }

  // --- selection and live vacancy ---------------------------------------------

  function popupContent(lot) {
    var root = document.createElement("div");
    root.className = "lot-popup";
    var name = document.createElement("strong");
    name.className = "lot-popup-name";
    name.textContent = lot.name;
    root.appendChild(name);
    if (lot.address) {
      var address = document.createElement("span");
      address.className = "lot-popup-address";
      address.textContent = lot.address;
      root.appendChild(address);
    }
    var distance = document.createElement("span");
    distance.className = "lot-popup-distance muted";
    distance.textContent = format(text.away, { distance: lot.distance });
    root.appendChild(distance);
    var vacancy = document.createElement("span");
    vacancy.className = "lot-popup-vacancy";
    vacancy.textContent = lot.counted ? text.checking : lot.words;
    root.appendChild(vacancy);
    if (!lot.counted) {
      var note = document.createElement("span");
      note.className = "lot-popup-uncounted muted";
      note.textContent = text.uncounted;
      root.appendChild(note);
      return root;
    }
    var reading = document.createElement("span");
    reading.className = "lot-popup-reading muted";
    root.appendChild(reading);
    var kiosk = document.createElement("a");
    kiosk.className = "lot-popup-kiosk";
    kiosk.href = config.kioskUrl.replace("{id}", String(lot.id));
    kiosk.textContent = text.kiosk;
    root.appendChild(kiosk);
    return root;
  }

  function deselect() {
    if (!selection) return;
    window.clearTimeout(selection.timer);
    selection.timer = null;
    var item = listItem(selection.id);
    if (item) {
      item.classList.remove("is-selected");
      item.querySelector(".lot-link").removeAttribute("aria-current");
    }
    var marker = markers.get(selection.id);
    if (marker) {
      marker.setIcon(markerIcon(lotFromItem(item), false));
      marker.setZIndexOffset(0);
    }
    selection = null;
  }

  function select(id) {
    var item = listItem(id);
    var marker = markers.get(id);
    if (!item || !marker) return;
    if (selection && selection.id === id) {
      marker.openPopup();
      return;
    }
    deselect();
    var lot = lotFromItem(item);
    listItems().forEach(function (other) {
      other.classList.toggle("is-selected", other === item);
    });
    var link = item.querySelector(".lot-link");
    link.setAttribute("aria-current", "true");
    item.scrollIntoView({ block: "nearest" });
    marker.setIcon(markerIcon(lot, true));
    marker.setZIndexOffset(1000);
    var content = popupContent(lot);
    selection = { id: id, content: content, timer: null };
    marker.unbindPopup();
    marker.bindPopup(content, {
      autoPan: true,
      autoPanPaddingTopLeft: [60, 20],
      closeButton: true,
      // No wider than the map leaves room for beside the zoom buttons (the padding
      // above), with the popup's own margins: on a phone, about 270 px.
      maxWidth: Math.max(160, Math.min(300, map.getSize().x - 120)),
    });
    // Centre the lot first, so its popup has room above it (and clears the zoom
    // buttons); open it once the map stands still, or the two moves undo each other.
    var open = function () {
      if (selection && selection.id === id) marker.openPopup();
    };
    var offset = map.latLngToContainerPoint(marker.getLatLng()).subtract(map.getSize().divideBy(2));
    // Without animation, or with less than a pixel to move, Leaflet has finished
    // (and said moveend) by the time panTo returns; else it glides, and says it after.
    var still = !animate || (Math.abs(offset.x) < 1 && Math.abs(offset.y) < 1);
    map.panTo(marker.getLatLng(), { animate: animate });
    // Listened for after panTo: the end of a glide it interrupted (a quick second pick)
    // is not the end of this one.
    if (still) open();
    else map.once("moveend", open);
    if (lot.counted) readVacancy(selection);
  }

  function readVacancy(current) {
    var url = config.vacancyUrl.replace("{id}", String(current.id));
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (vacancy) {
        if (selection !== current) return;
        if (vacancy.live) {
          showVacancy(current, vacancy, new Date());
        } else {
          // Its last entry gate was removed since the list was drawn: nothing counts it now.
          current.content.querySelector(".lot-popup-vacancy").textContent = text.uncounted;
          current.content.querySelector(".lot-popup-reading").textContent = "";
          current.stopped = true;
        }
      })
      .catch(function () {
        if (selection !== current) return;
        current.content.querySelector(".lot-popup-vacancy").textContent = text.unavailable;
      })
      .finally(function () {
        if (selection !== current || current.stopped) return;
        current.timer = window.setTimeout(function () {
          if (selection === current) readVacancy(current);
        }, config.refreshSeconds * 1000);
      });
  }

  function showVacancy(current, vacancy, readAt) {
    var words = vacancyText(vacancy.available, vacancy.capacity);
    var state = fullness(vacancy.available, vacancy.capacity);
    var element = current.content.querySelector(".lot-popup-vacancy");
    var changed = element.textContent !== words;
    element.textContent = words;
    setFullnessClass(element, state);
    current.content.querySelector(".lot-popup-reading").textContent = format(text.checkedAt, {
      time: clockTime(readAt),
    });
    // Keep the list and the marker in step with what the popup says.
    var item = listItem(current.id);
    if (item) {
      item.dataset.available = String(vacancy.available);
      item.dataset.capacity = String(vacancy.capacity);
      item.querySelector(".lot-vacancy").textContent = words;
      setFullnessClass(item, state);
      var marker = markers.get(current.id);
      if (marker && changed) marker.setIcon(markerIcon(lotFromItem(item), true));
    }
    if (changed) say(format(text.lotVacancy, { name: vacancy.name, vacancy: words }), true);
    var popup = markers.get(current.id) && markers.get(current.id).getPopup();
    if (popup) popup.update();
  }

  // --- searching elsewhere -----------------------------------------------------

  function search(lat, lng) {
    var request = ++searchRequest;
    say(text.searching);
    var params = new URLSearchParams({ lat: lat.toFixed(6), lng: lng.toFixed(6) });
    fetch(config.resultsUrl + "?" + params.toString(), { headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (request !== searchRequest) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("results");
        deselect();
        map.closePopup();
        results().replaceWith(document.importNode(fresh, true));
        window.history.replaceState(null, "", "?" + params.toString());
        // The language switcher comes back here, not to where the page was first opened.
        document.querySelectorAll(".language-switcher input[name=next]").forEach(function (next) {
          next.value = window.location.pathname + window.location.search;
        });
        showLots();
        say(document.getElementById("results-summary").textContent, true);
      })
      .catch(function () {
        if (request === searchRequest) say(text.searchFailed);
      });
  }

  function locate(quietly) {
    if (!navigator.geolocation) {
      if (!quietly) say(text.locateFailed);
      return;
    }
    if (!quietly) say(text.locating);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        search(position.coords.latitude, position.coords.longitude);
      },
      function () {
        if (!quietly) say(text.locateFailed);
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 }
    );
  }

  // --- keyboard: arrows move along the list ------------------------------------

  function onListKey(event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var links = Array.prototype.slice.call(results().querySelectorAll(".lot-link"));
    var index = links.indexOf(document.activeElement);
    if (index < 0) return;
    event.preventDefault();
    var next = links[index + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) next.focus();
  }

  // Anywhere on a lot's card selects it (its name is the link keyboards and screen
  // readers use); the card's other links (the kiosk's) go where they go.
  function onListClick(event) {
    var item = event.target.closest(".lot-item");
    if (!item || !window.getSelection().isCollapsed) return; // selecting text to copy it
    var link = event.target.closest("a");
    if (link && !link.classList.contains("lot-link")) return;
    event.preventDefault();
    select(Number(item.dataset.lotId));
  }

  // --- start -----------------------------------------------------------------

  function start() {
    mapElement.hidden = false;
    Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (element) {
      element.hidden = false;
    });
    map = L.map(mapElement, {
      zoomControl: false,
      zoomAnimation: animate,
      fadeAnimation: animate,
      markerZoomAnimation: animate,
    }).setView(config.centre, config.zoom);
    L.control.zoom({ zoomInTitle: text.zoomIn, zoomOutTitle: text.zoomOut }).addTo(map);
    // Leaflet's credit, without its English tooltip.
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (config.tiles.url) {
      L.tileLayer(config.tiles.url, {
        maxZoom: config.tiles.maxZoom,
        attribution: config.tiles.attribution,
      }).addTo(map);
    } else {
      mapElement.classList.add("no-tiles");
    }
    markerLayer = L.layerGroup().addTo(map);
    hereMarker = L.circleMarker(config.centre, {
      className: "here-marker",
      radius: 9,
      interactive: false,
    }).addTo(map);
    hereMarker.bindTooltip(text.here);

    map.on("click", function (event) {
      search(event.latlng.lat, event.latlng.lng);
    });
    map.on("popupopen", function (event) {
      // Leaflet names its close button in English.
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) {
        close.setAttribute("aria-label", text.closePopup);
        close.setAttribute("title", text.closePopup);
      }
    });
    map.on("popupclose", function (event) {
      if (selection && event.popup.getElement() && event.popup.getContent() === selection.content) {
        deselect();
      }
    });
    document.getElementById("locate").addEventListener("click", function () {
      locate(false);
    });
    var panel = document.querySelector(".map-panel");
    panel.addEventListener("click", onListClick);
    panel.addEventListener("keydown", onListKey);

    showLots();
    if (config.selected) select(config.selected);
    // Before the user has said where, ask the browser (silently keeping the default if refused).
    if (!config.chosen) locate(true);
  }

  start();
})();
